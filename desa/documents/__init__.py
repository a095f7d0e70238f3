"""What every printed village document shares: the PDF drawing kit and QR codes.

Pure functions drawn straight on a reportlab canvas: no HTML engine, no platypus, the
standard Type-1 fonts (nothing embedded) and the QR as vector rectangles, so a letter
renders in about ten milliseconds (two thirds of it computing the QR) into a file of
about 8 KB. `invariant=1` fixes the creation date and file id: the same document
always gives the same bytes. Text is folded to what the standard fonts can show.

Letters, appointment tickets and the exported figures draw with it; it imports
nothing from those domains.
"""
