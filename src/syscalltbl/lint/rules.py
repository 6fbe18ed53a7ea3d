"""The rule catalogue: every rule module, imported in catalogue order.

Importing a rule module registers its rules (syscalltbl.lint.rulebase.rule);
RULES is the result. IDs are stable: a retired rule's ID is never reused.
"""

from __future__ import annotations

from syscalltbl.lint import (  # noqa: F401  (imported to register their rules)
    rules_ranges,
    rules_select,
    rules_symbols,
    rules_table,
    rules_xarch,
)
from syscalltbl.lint.rulebase import REGISTRY, Rule

#: Families in the order the catalogue lists them.
_FAMILIES = ("TBL", "SEL", "ABI", "RSV", "X32", "ENT", "PRO", "NRT", "CND", "XAR", "PRF")

RULES: dict[str, Rule] = {
    rule_id: REGISTRY[rule_id]
    for rule_id in sorted(REGISTRY, key=lambda r: (_FAMILIES.index(r[:3]) if r[:3] in _FAMILIES else 99, r))
}
