"""KUA marriage forms N-1…N-6 (KMA 477/2004) as letter layouts."""
