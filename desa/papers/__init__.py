"""The papers a village keeps and hands over: the population books of
Permendagri 47/2016, the monthly report to the kecamatan, and the forms other
offices accept (Disdukcapil's F-1.xx, the KUA's N-1…N-6)."""
