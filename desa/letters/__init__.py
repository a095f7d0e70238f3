"""Letters and referrals: types, drafts, numbering, signed QR tokens, stored PDFs."""
