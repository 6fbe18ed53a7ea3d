"""What changes files: `syscalltbl build` (regenerate, incremental, the runtime group) and the project
edits (`init`, `add-syscall`, `remove-syscall`, `add-device`), which lint their result before writing.
"""
