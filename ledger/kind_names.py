"""The input kinds' names, in the order a ledger is filled (payees before the assignments that
name them). Apart from ``kinds.SPECS``, which holds what each kind is, so the command line
lists them without loading pandas; a test keeps the two in step."""

INPUT_KINDS = ("payees", "assignments", "quotas", "deals", "credits", "fx", "payments",
               "metrics")
