"""Component types, one module each, and the registry that lists them (registry.py).

A type module holds everything a type is: the keys its YAML body takes, its frozen record,
how the body is read and checked, its warnings, and how it earns (through the engine's
``EvaluationContext``, contract.py). The loader, the linter and the engine find a type only
through ``registry``; a name it does not list is refused when the plan loads.
"""
