"""What every printed village document shares, whichever domain prints it.

Letters and appointment tickets draw their QR codes with it; it imports nothing
from those domains.
"""
