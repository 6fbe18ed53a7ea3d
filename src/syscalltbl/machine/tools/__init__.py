"""Tools that watch or stress a machine: --trace, --ftrace, --stats and the kernel fuzzer."""
