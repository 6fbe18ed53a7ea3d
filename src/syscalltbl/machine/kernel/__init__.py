"""The kernel's services in Python: processes, memory, files, signals, faults, devices, /proc and the vDSO."""
