"""e-KTP recording sessions, bookings, waitlists, employee lists, tickets, messages."""
