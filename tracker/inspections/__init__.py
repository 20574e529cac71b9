"""检查与暗访: the site register, inspection rounds and their samples, findings and their rectification loop,
and what findings feed into the verdict (pass rates as figures, 暗访 veto risks)."""
