"""What is checked: the catalogue as data (YAML beside this file) and the rule kinds (rules/)."""
