"""The data model and how it is read: `.tbl` files and prototype headers (Lark grammars in grammars/),
ABI selection, a project's arch/tables.toml, the x86-64 target, and the shipped tables (arch/).

Only `store` is below this layer.
"""
