"""Reference data every deployment starts from: the parts price list and the technicians."""
