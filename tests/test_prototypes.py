"""The prototype-header reader: C constructs one by one, generated headers, real kernel headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures_headers import linux_headers  # noqa: F401  (a fixture, used by name)
from syscalltbl.tables import prototypes
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.prototype_model import Param, Prototype, PrototypeFile
from syscalltbl.tables.prototypes import parse_prototypes

CORPUS_META = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "linux-6.18.2" / "meta"


def parse(text: str) -> PrototypeFile:
    return parse_prototypes("test.h", text)


def only(text: str) -> Prototype:
    """The one prototype `text` declares; the reader must not have skipped anything."""
    result = parse(text)
    assert result.problems == ()
    assert len(result.prototypes) == 1, result.prototypes
    return result.prototypes[0]


def shape(param: Param) -> tuple[str, str, bool, bool]:
    return (param.type, param.name, param.is_user_pointer, param.is_64bit)


def names(text: str) -> list[str]:
    return [p.name for p in parse(text).prototypes]


def text_at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1 :]


# ------------------------------------------------------------ single constructs


def test_one_line_declaration() -> None:
    text = "asmlinkage long sys_close(unsigned int fd);\n"
    proto = only(text)
    assert proto.name == "sys_close"
    assert proto.return_type == "long"
    assert [shape(p) for p in proto.params] == [("unsigned int", "fd", False, False)]
    assert (proto.location.file, proto.location.line, proto.location.column) == ("test.h", 1, 17)
    assert (proto.params[0].location.line, proto.params[0].location.column) == (1, 27)
    assert proto.conditions == () and proto.attributes == ()


def test_declaration_across_lines_with_name_on_its_own_line() -> None:
    text = (
        "asmlinkage long\n"
        "compat_sys_set_robust_list(struct compat_robust_list_head __user *head,\n"
        "\t\t\t   compat_size_t len);\n"
    )
    proto = only(text)
    assert proto.name == "compat_sys_set_robust_list"
    assert (proto.location.line, proto.location.column) == (2, 1)
    assert [shape(p) for p in proto.params] == [
        ("struct compat_robust_list_head __user *", "head", True, False),
        ("compat_size_t", "len", False, False),
    ]
    assert (proto.params[1].location.line, proto.params[1].location.column) == (3, 7)


@pytest.mark.parametrize("params", ["void", "", " void "])
def test_void_or_empty_parameter_list_means_no_parameters(params: str) -> None:
    proto = only(f"asmlinkage long sys_ni_syscall({params});")
    assert proto.params == ()


def test_unnamed_parameters() -> None:
    proto = only("asmlinkage long sys_io_submit(aio_context_t, long,\n\t\t\tstruct iocb __user * __user *);")
    assert [shape(p) for p in proto.params] == [
        ("aio_context_t", "", False, False),
        ("long", "", False, False),
        ("struct iocb __user *__user *", "", True, False),
    ]


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("unsigned long", ("unsigned long", "")),
        ("unsigned nsops", ("unsigned", "nsops")),
        ("long fifth", ("long", "fifth")),
        ("struct stat", ("struct stat", "")),
        ("union bpf_attr *attr", ("union bpf_attr *", "attr")),
        ("enum landlock_rule_type rule_type", ("enum landlock_rule_type", "rule_type")),
        ("u32", ("u32", "")),
        ("const int", ("const int", "")),
        ("int const x", ("int const", "x")),
    ],
)
def test_whether_the_last_word_is_a_name(param: str, expected: tuple[str, str]) -> None:
    proto = only(f"asmlinkage long f({param});")
    assert (proto.params[0].type, proto.params[0].name) == expected


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("const char __user *filename", ("const char __user *", "filename", True, False)),
        (
            "const char __user *const __user *argv",
            ("const char __user *const __user *", "argv", True, False),
        ),
        ("struct foo __user *", ("struct foo __user *", "", True, False)),
        ("__kernel_old_time_t __user *tloc", ("__kernel_old_time_t __user *", "tloc", True, False)),
        ("struct pt_regs *regs", ("struct pt_regs *", "regs", False, False)),
        ("void __user*ptr", ("void __user *", "ptr", True, False)),
        ("loff_t __user *offset", ("loff_t __user *", "offset", True, False)),
        ("compat_uptr_t ptr", ("compat_uptr_t", "ptr", False, False)),
    ],
)
def test_user_pointers(param: str, expected: tuple[str, str, bool, bool]) -> None:
    assert shape(only(f"asmlinkage long f({param});").params[0]) == expected


@pytest.mark.parametrize(
    ("param", "is_64bit"),
    [
        ("loff_t pos", True),
        ("u64 a2", True),
        ("s64 nsec", True),
        ("__u64 mask", True),
        ("__s64 value", True),
        ("long long x", True),
        ("unsigned long long x", True),
        ("long long int x", True),
        ("compat_arg_u64(len)", True),
        ("unsigned long len", False),
        ("long", False),
        ("u32 pos_low", False),
        ("loff_t __user *result", False),
        ("u64 values[2]", False),
    ],
)
def test_64bit_parameters_need_a_register_pair(param: str, is_64bit: bool) -> None:
    assert only(f"asmlinkage long f({param});").params[0].is_64bit is is_64bit


def test_macro_parameter_splitting_a_64bit_value() -> None:
    proto = only("asmlinkage long compat_sys_fallocate(int fd, int mode, compat_arg_u64(offset),\n"
                 "\t\t\t\t     compat_arg_u64(len));")  # fmt: skip
    assert [shape(p) for p in proto.params[2:]] == [
        ("compat_arg_u64", "offset", False, True),
        ("compat_arg_u64", "len", False, True),
    ]


def test_function_pointer_parameters() -> None:
    proto = only(
        "asmlinkage long f(void (*handler)(int, siginfo_t *), int (*)(void),\n"
        "                  void (__user *restorer)(void));"
    )
    assert [shape(p) for p in proto.params] == [
        ("void (*)(int, siginfo_t *)", "handler", False, False),
        ("int (*)(void)", "", False, False),
        ("void (__user *)(void)", "restorer", True, False),
    ]


def test_array_parameters() -> None:
    proto = only("asmlinkage long sys_pipe2(int __user fildes[2], int flags, char buf[SIZE * (2 + 1)]);")
    assert [shape(p) for p in proto.params] == [
        ("int __user [2]", "fildes", True, False),
        ("int", "flags", False, False),
        ("char [SIZE*(2+1)]", "buf", False, False),
    ]


def test_variadic_parameters() -> None:
    proto = only("asmlinkage int printk_like(const char *fmt, ...);")
    assert [shape(p) for p in proto.params] == [
        ("const char *", "fmt", False, False),
        ("...", "", False, False),
    ]


def test_return_types() -> None:
    text = (
        "asmlinkage unsigned long sys_get_thread_area(void);\n"
        "asmlinkage void *sys_brk_like(void);\n"
        "asmlinkage ssize_t sys32_readahead(int fd, u32 pad0, u64 a2, u64 a3, size_t count);\n"
        "asmlinkage const char __user * __user *g(void);\n"
    )
    assert [p.return_type for p in parse(text).prototypes] == [
        "unsigned long",
        "void *",
        "ssize_t",
        "const char __user *__user *",
    ]


def test_attribute_noise_is_not_part_of_the_type() -> None:
    text = (
        "asmlinkage __visible void do_exit_like(long code) __attribute__((noreturn));\n"
        "__visible asmlinkage long sys_a(void);\n"
        "asmlinkage __printf(1, 2) __cold int logf(const char *fmt, ...);\n"
        'extern asmlinkage long sys_b(void) __attribute__ ((weak, alias("sys_ni_syscall")));\n'
        "asmlinkage __attribute__((regparm(0))) long sys_c(int x);\n"
    )
    result = parse(text)
    assert result.problems == ()
    assert [(p.name, p.return_type, p.attributes) for p in result.prototypes] == [
        ("do_exit_like", "void", ("__visible", "__attribute__((noreturn))")),
        ("sys_a", "long", ()),
        ("logf", "int", ("__printf(1, 2)", "__cold")),
        ("sys_b", "long", ('__attribute__((weak, alias("sys_ni_syscall")))',)),
        ("sys_c", "long", ("__attribute__((regparm(0)))",)),
    ]


def test_definition_with_body_counts_as_a_declaration() -> None:
    proto = only("asmlinkage long sys_stub(int x)\n{\n\tif (x) { return -ENOSYS; }\n\treturn 0;\n}\n")
    assert proto.name == "sys_stub"
    assert [shape(p) for p in proto.params] == [("int", "x", False, False)]


# --------------------------------------------------------- what is skipped


def test_comments_anywhere() -> None:
    text = (
        "/* asmlinkage long fake_block(void); { */\n"
        "// asmlinkage long fake_line(void);\n"
        "asmlinkage /* rt */ long /* name: */ sys_read(unsigned int fd, // the file\n"
        "\tchar __user */*buffer*/buf, /* } ; */ size_t count);\n"
        "/* a comment\n   over lines with asmlinkage long fake(void); */\n"
    )
    proto = only(text)
    assert proto.name == "sys_read"
    assert [shape(p) for p in proto.params] == [
        ("unsigned int", "fd", False, False),
        ("char __user *", "buf", True, False),
        ("size_t", "count", False, False),
    ]


def test_macros_are_skipped_even_when_they_declare() -> None:
    text = (
        "#define SYSCALL_DEFINE0(sname)\t\t\t\t\t\\\n"
        "\tSYSCALL_METADATA(_##sname, 0);\t\t\t\t\\\n"
        "\tasmlinkage long sys_##sname(void);\t\t\t\\\n"
        "\tasmlinkage long sys_##sname(void) {\n"
        "#define __MAP1(m,t,a,...) m(t,a) /* asmlinkage long x(void); \n  spans */\n"
        "#  define   EMPTY\n"
        "asmlinkage long sys_real(void);\n"
        "#define LAST asmlinkage long sys_not(void); \\\n   {"
    )
    assert names(text) == ["sys_real"]
    assert parse(text).problems == ()


def test_inline_functions_with_nested_braces_are_skipped() -> None:
    text = (
        "static inline long ksys_ftruncate(unsigned int fd, loff_t length)\n"
        "{\n"
        "\tif (fd) { while (1) { if (x) { break; } } }\n"
        '\tstr = "asmlinkage long in_string(void); {";\n'
        "\tc = '{';\n"
        "\treturn do_sys_ftruncate(fd, length, 1);\n"
        "}\n"
        "static inline bool in_compat_syscall(void) { return false; }\n"
        "asmlinkage long sys_after(void);\n"
    )
    assert names(text) == ["sys_after"]
    assert parse(text).problems == ()


def test_struct_union_enum_typedef_extern_are_skipped() -> None:
    text = (
        "struct pt_regs;\n"
        "struct compat_iovec {\n\tcompat_uptr_t iov_base;\n\tcompat_size_t iov_len;\n};\n"
        "union bpf_attr { struct { int a; } s; long b[4]; };\n"
        "enum landlock_rule_type { LANDLOCK_RULE_PATH_BENEATH = 1, LANDLOCK_RULE_NET_PORT, };\n"
        "typedef struct compat_sigaltstack {\n\tint ss_flags;\n} compat_stack_t;\n"
        "typedef long (*syscall_fn_t)(const struct pt_regs *regs);\n"
        "extern int do_fchownat(int dfd, const char __user *filename, uid_t user, gid_t group, int flag);\n"
        "extern struct trace_event_class event_class_syscall_enter;\n"
        "long ksys_msgget(key_t key, int msgflg);\n"
        'static const char *types[] = { "a", "b" };\n'
        "asmlinkage long sys_last(void);\n"
    )
    assert names(text) == ["sys_last"]
    assert parse(text).problems == ()


def test_ifdef_branches_are_all_captured_with_their_conditions() -> None:
    text = (
        "#ifndef _LINUX_SYSCALLS_H\n"
        "#define _LINUX_SYSCALLS_H\n"
        "#ifndef CONFIG_ARCH_HAS_SYSCALL_WRAPPER\n"
        "asmlinkage long sys_a(void);\n"
        "#ifdef CONFIG_OLD_SIGSUSPEND\n"
        "asmlinkage long sys_sigsuspend(old_sigset_t mask);\n"
        "#elif defined(CONFIG_OLD_SIGSUSPEND3) || defined(X)\n"
        "asmlinkage long sys_sigsuspend(int unused1, int unused2, old_sigset_t mask);\n"
        "#else /* neither */\n"
        "asmlinkage long sys_b(void);\n"
        "#endif /* CONFIG_OLD_SIGSUSPEND */\n"
        "#if \\\n  !defined(A) // why\n"
        "asmlinkage long sys_c(void);\n"
        "#else\n"
        "asmlinkage long sys_d(void);\n"
        "#endif\n"
        "#endif /* CONFIG_ARCH_HAS_SYSCALL_WRAPPER */\n"
        "asmlinkage long sys_e(void);\n"
        "#endif\n"
    )
    result = parse(text)
    wrapper = "!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)"
    assert [(p.name, p.conditions) for p in result.prototypes] == [
        ("sys_a", (wrapper,)),
        ("sys_sigsuspend", (wrapper, "defined(CONFIG_OLD_SIGSUSPEND)")),
        (
            "sys_sigsuspend",
            (wrapper, "!defined(CONFIG_OLD_SIGSUSPEND) && (defined(CONFIG_OLD_SIGSUSPEND3) || defined(X))"),
        ),
        (
            "sys_b",
            (wrapper, "!defined(CONFIG_OLD_SIGSUSPEND) && !(defined(CONFIG_OLD_SIGSUSPEND3) || defined(X))"),
        ),
        ("sys_c", (wrapper, "!defined(A)")),
        ("sys_d", (wrapper, "defined(A)")),
        ("sys_e", ()),
    ]


def test_directive_inside_a_statement_keeps_conditions_balanced() -> None:
    text = (
        "asmlinkage long sys_split(int a,\n#ifdef CONFIG_X\n int b\n#endif\n);\n"
        "static inline int f(void)\n{\n#ifdef CONFIG_Y\n\treturn 1;\n#endif\n\treturn 0;\n}\n"
        "asmlinkage long sys_after(void);\n"
    )
    result = parse(text)
    assert [(p.name, p.conditions) for p in result.prototypes] == [("sys_after", ())]
    [problem] = result.problems
    assert (problem.location.line, problem.location.column) == (2, 1)
    assert "preprocessor line" in problem.message


@pytest.mark.parametrize(
    "garbage",
    [
        "@@@ $$$ ``` \\ \u00e9\u00a0 \" ' unterminated",
        "}}}",
        "{{{ int x;",
        "/* never closed",
        "#if\n#else\n#endif\n#endif\n#else\n",
        ")))(((;;;]]][[[",
        "int main(void) { return 0; }",
        "0x1fUL .5e+3 'a' '\\'' \"\\\"\" ... -> ++ ## #",
        "asmlinkage",
        "asmlinkage;",
        "asmlinkage = 3;",
        "asmlinkage long (*table[])(void);",
        "asmlinkage long f(int a,, int b);",
    ],
)
def test_garbage_never_crashes_and_later_declarations_survive(garbage: str) -> None:
    before = parse(garbage)
    assert isinstance(before, PrototypeFile)
    after = parse(f"{garbage}\n;}}\nasmlinkage long sys_survivor(void);\n")
    if garbage.startswith(("{", "/*")):
        return  # an open brace or comment legitimately swallows the rest
    assert "sys_survivor" in [p.name for p in after.prototypes]


def test_unreadable_asmlinkage_statements_are_reported_not_invented() -> None:
    result = parse("asmlinkage = 3;\nasmlinkage long ok(void);\nasmlinkage long f(int a,, int b);\n")
    assert [p.name for p in result.prototypes] == ["ok"]
    assert [(p.location.line, p.location.column) for p in result.problems] == [(1, 12), (3, 25)]


def test_stray_close_brace_and_unclosed_brace_are_reported() -> None:
    result = parse("asmlinkage long a(void);\n}\nasmlinkage long b(void);\nstruct s {\n int x;\n")
    assert [p.name for p in result.prototypes] == ["a", "b"]
    assert [p.location.line for p in result.problems] == [2, 5]


def test_an_unclosed_comment_comments_out_the_rest_with_one_problem() -> None:
    result = parse("asmlinkage long a(void);\n  /* open\nasmlinkage long b(void);\n/* x\n")
    assert [p.name for p in result.prototypes] == ["a"]
    [problem] = result.problems
    assert (problem.location.line, problem.location.column) == (2, 3)
    assert "'/*' comment that nothing closes" in problem.message


def test_the_keyword_inside_a_word_a_number_a_string_or_a_body_starts_nothing() -> None:
    text = (
        'int sys_asmlinkage; x = 1e+asmlinkage; s = "asmlinkage long s(void);";\n'
        "/* asmlinkage long c(void); */ // asmlinkage long d(void);\n"
        "static inline void f(void) { asmlinkage long g(void); }\n"
        "asmlinkage long a(void);\n"
    )
    result = parse(text)
    assert ([p.name for p in result.prototypes], result.problems) == (["a"], ())
    assert (result.prototypes[0].location.line, result.prototypes[0].location.column) == (4, 17)


def test_positions_inside_a_declaration_count_from_where_it_starts() -> None:
    text = "int x; /* } */ asmlinkage long a(int p,\n\t\tchar *q) __attribute__((unused));\n"
    proto = only(text)
    assert [(p.location.line, p.location.column) for p in proto.params] == [(1, 34), (2, 3)]
    assert (proto.location.line, proto.location.column) == (1, 32)


def test_unreadable_declarations_count_toward_the_limit_of_problems() -> None:
    result = parse("asmlinkage;\n" * 1200 + "asmlinkage long a(void);\n")
    assert result.prototypes == ()
    assert len(result.problems) == 1001
    assert (result.problems[-1].location.line, result.problems[-1].message.split(":")[0]) == (
        1001,
        "1000 problems already",
    )


def test_a_declaration_past_its_limit_is_skipped_and_the_rest_is_read() -> None:
    from syscalltbl.tables.limits import DECLARATION_BYTES_LIMIT

    def declaration(name: str, size: int) -> str:
        head, tail = f"asmlinkage long {name}(", "int z);"
        return head + "int a," * ((size - len(head) - len(tail)) // 6) + tail

    at_limit = declaration("fits", DECLARATION_BYTES_LIMIT - 5)
    past = declaration("long_one", DECLARATION_BYTES_LIMIT + 6)
    assert len(at_limit) <= DECLARATION_BYTES_LIMIT < len(past)
    result = parse(f"{at_limit}\n{past}\nasmlinkage long after(void);\n")
    assert [p.name for p in result.prototypes] == ["fits", "after"]
    assert len(result.prototypes[0].params) == (len(at_limit) - 27) // 6 + 1
    [problem] = result.problems
    assert (problem.location.line, problem.location.column) == (2, 1)
    assert problem.message.startswith(f"skipped an asmlinkage declaration of {len(past)} bytes: more than 8192")


def test_reads_the_file_when_no_text_is_given(tmp_path: Path) -> None:
    header = tmp_path / "syscalls.h"
    header.write_text("asmlinkage long sys_x(int fd);\n", encoding="utf-8")
    result = parse_prototypes(header)
    assert result.path == str(header)
    assert result.prototypes[0].location.file == str(header)


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SyscalltblError, match="cannot read") as caught:
        parse_prototypes(tmp_path / "absent.h")
    assert caught.value.path == str(tmp_path / "absent.h")


def test_crlf_line_endings() -> None:
    text = "#ifdef CONFIG_X\r\nasmlinkage long sys_a(int fd,\r\n\tsize_t n);\r\n#endif\r\n"
    proto = only(text)
    assert (proto.name, proto.conditions) == ("sys_a", ("defined(CONFIG_X)",))
    assert [shape(p) for p in proto.params] == [("int", "fd", False, False), ("size_t", "n", False, False)]


def test_the_parser_is_built_once_per_process() -> None:
    assert prototypes._header_parser() is prototypes._header_parser()
    assert prototypes._declaration_parser() is prototypes._declaration_parser()


# ------------------------------------------------ generated headers round-trip

RESERVED = frozenset(
    {
        "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "bool",
        "const", "volatile", "restrict", "struct", "union", "enum", "asmlinkage", "asm", "extern",
        "static", "inline", "typedef", "if", "else", "return", "sizeof",
    }
)  # fmt: skip

identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True).filter(lambda s: s not in RESERVED)

#: (words, passes a 64-bit value in a register pair on 32-bit ABIs)
SCALARS = [
    (["int"], False),
    (["unsigned", "int"], False),
    (["long"], False),
    (["unsigned", "long"], False),
    (["unsigned"], False),
    (["size_t"], False),
    (["u32"], False),
    (["pid_t"], False),
    (["loff_t"], True),
    (["u64"], True),
    (["s64"], True),
    (["__u64"], True),
    (["__s64"], True),
    (["long", "long"], True),
    (["unsigned", "long", "long"], True),
]
POINTEES = [["char"], ["void"], ["int"], ["unsigned", "long"], ["struct", "stat"], ["union", "bpf_attr"],
            ["loff_t"], ["compat_uptr_t"], ["__kernel_old_time_t"]]  # fmt: skip
RETURN_TYPES = [["long"], ["int"], ["void"], ["unsigned", "long"], ["ssize_t"], ["void", "*"]]


def canonical(words: list[str]) -> str:
    """The spelling the model promises: single spaces, `*` bound to what follows."""
    text = ""
    for word in words:
        if text and not text.endswith("*"):
            text += " "
        text += word
    return text


@dataclass(frozen=True)
class GenParam:
    tokens: tuple[str, ...]
    expected: tuple[str, str, bool, bool]


@st.composite
def scalar_params(draw: st.DrawFn) -> GenParam:
    words, wide = draw(st.sampled_from(SCALARS))
    words = (["const"] if draw(st.booleans()) else []) + words
    name = draw(st.one_of(st.just(""), identifiers))
    return GenParam((*words, *([name] if name else [])), (canonical(words), name, False, wide))


@st.composite
def pointer_params(draw: st.DrawFn) -> GenParam:
    words = (["const"] if draw(st.booleans()) else []) + draw(st.sampled_from(POINTEES))
    for _ in range(draw(st.integers(1, 2))):
        words += draw(st.sampled_from([[], ["__user"], ["const"], ["const", "__user"]]))
        words.append("*")
    name = draw(st.one_of(st.just(""), identifiers))
    if name and draw(st.booleans()):
        words.append("const")  # `char *const p`
    expected = (canonical(words), name, "__user" in words, False)
    return GenParam((*words, *([name] if name else [])), expected)


@st.composite
def function_pointer_params(draw: st.DrawFn) -> GenParam:
    result = draw(st.sampled_from(RETURN_TYPES))
    args = draw(st.lists(st.sampled_from([*SCALARS, (["char", "*"], False)]), max_size=3))
    name = draw(st.one_of(st.just(""), identifiers))
    listed = ", ".join(canonical(words) for words, _ in args) or "void"
    tokens = [*result, "(", "*", *([name] if name else []), ")", "("]
    for index, (words, _) in enumerate(args):
        tokens += [","] * (index > 0) + words
    tokens += ["void"] * (not args) + [")"]
    return GenParam(tuple(tokens), (f"{canonical(result)} (*)({listed})", name, False, False))


@st.composite
def macro_params(draw: st.DrawFn) -> GenParam:
    name = draw(identifiers)
    return GenParam(("compat_arg_u64", "(", name, ")"), ("compat_arg_u64", name, False, True))


@st.composite
def array_params(draw: st.DrawFn) -> GenParam:
    words, _ = draw(st.sampled_from(SCALARS))
    name = draw(identifiers)
    size = draw(st.integers(1, 64))
    return GenParam((*words, name, "[", str(size), "]"), (f"{canonical(words)} [{size}]", name, False, False))


params = st.one_of(scalar_params(), pointer_params(), function_pointer_params(), macro_params(), array_params())


@dataclass(frozen=True)
class GenPrototype:
    tokens: tuple[str, ...]
    name: str
    return_type: str
    params: tuple[tuple[str, str, bool, bool], ...]
    param_starts: tuple[str, ...]
    attributes: tuple[str, ...]
    condition: str | None


@st.composite
def generated_prototypes(draw: st.DrawFn) -> GenPrototype:
    name = draw(identifiers)
    result = draw(st.sampled_from(RETURN_TYPES))
    visible = draw(st.booleans())
    noreturn = draw(st.booleans())
    plist = draw(st.lists(params, max_size=6))
    variadic = bool(plist) and draw(st.booleans())
    tokens = ["asmlinkage", *(["__visible"] * visible), *result, name, "("]
    for index, param in enumerate(plist):
        tokens += [","] * (index > 0) + list(param.tokens)
    if variadic:
        tokens += [",", "..."]
    if not plist and draw(st.booleans()):
        tokens.append("void")
    tokens.append(")")
    if noreturn:
        tokens += ["__attribute__", "(", "(", "noreturn", ")", ")"]
    tokens.append(";")
    expected = tuple(p.expected for p in plist) + ((("...", "", False, False),) if variadic else ())
    return GenPrototype(
        tokens=tuple(tokens),
        name=name,
        return_type=canonical(result),
        params=expected,
        param_starts=tuple(p.tokens[0] for p in plist) + (("...",) if variadic else ()),
        attributes=("__visible",) * visible + ("__attribute__((noreturn))",) * noreturn,
        condition=draw(st.one_of(st.none(), st.from_regex(r"CONFIG_[A-Z0-9_]{1,12}", fullmatch=True))),
    )


#: Separators between two tokens that would merge without one.
GAPS = [" ", "\t", "\n", "\r\n", "  \n\t ", " /* c */ ", "/* multi\n line */", " // to the end\n", " \\\n", "\n\n"]

#: Statements a header may hold between declarations, none of them a declaration.
NOISE = [
    "struct pt_regs;\n",
    "struct s {\n\tint a;\n\tstruct { long b; } inner;\n};\n",
    "static inline long f(int x)\n{\n\tif (x) { return 1; }\n\treturn 0;\n}\n",
    "#define SYSCALL_DEFINE0(n) \\\n\tasmlinkage long sys_##n(void); \\\n\tasmlinkage long sys_##n(void)\n",
    "/* asmlinkage long commented(void); */\n",
    "// asmlinkage long commented(void);\n",
    "typedef long (*fn_t)(const struct pt_regs *);\n",
    "enum e { A = 1, B, };\n",
    "extern long ksys_x(unsigned int fd);\n",
    "#include <linux/types.h>\n",
]


@st.composite
def rendered_headers(draw: st.DrawFn) -> tuple[str, list[GenPrototype]]:
    """A header's text, with random layout and noise between declarations, and its prototypes."""
    protos = draw(st.lists(generated_prototypes(), max_size=5))
    text = ""
    for proto in protos:
        text += "".join(draw(st.lists(st.sampled_from(NOISE), max_size=2)))
        if proto.condition:
            text += f"#ifdef {proto.condition}\n"
        previous = ""
        for token in proto.tokens:
            joinable = (
                previous and (previous[-1].isalnum() or previous[-1] == "_") and (token[0].isalnum() or token[0] == "_")
            )
            gap = draw(st.sampled_from(GAPS)) if joinable else draw(st.sampled_from(["", *GAPS]))
            text += (gap if previous else "") + token
            previous = token
        text += "\n"
        if proto.condition:
            text += "#endif\n"
    return text, protos


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rendered_headers())
def test_generated_headers_parse_back_to_their_model(header: tuple[str, list[GenPrototype]]) -> None:
    text, protos = header
    result = parse(text)
    assert result.problems == ()
    got = [
        (p.name, p.return_type, tuple(shape(q) for q in p.params), p.attributes, p.conditions)
        for p in result.prototypes
    ]
    want = [
        (g.name, g.return_type, g.params, g.attributes, (f"defined({g.condition})",) if g.condition else ())
        for g in protos
    ]
    assert got == want
    for proto, gen in zip(result.prototypes, protos, strict=True):
        assert text_at(text, proto.location.line, proto.location.column).startswith(gen.name)
        for param, start in zip(proto.params, gen.param_starts, strict=True):
            assert text_at(text, param.location.line, param.location.column).startswith(start)


#: Pieces of C-looking text, so random input reaches deep into the grammar.
FRAGMENTS = [*"(){}[];,*/#\\\"'\n\t .0x_af", "asmlinkage ", "long ", "__user ", "/*", "*/", "//", "#if X\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = parse(text)
    for proto in result.prototypes:
        assert text_at(text, proto.location.line, proto.location.column).startswith(proto.name)


# ------------------------------------------------------------ real kernel headers


def without_comments_strings_and_directives(text: str) -> str:
    """C text with comments, string and character literals and preprocessor lines blanked.

    Deliberately simple and separate from the grammar: it is the yardstick the
    parser is measured against.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            out.append(" " + "\n" * text.count("\n", i, end))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif text[i] in "\"'":
            match = re.compile(r"%s(?:[^%s\\\n]|\\.)*%s" % ((re.escape(text[i]),) * 3)).match(text, i)
            out.append(" ")
            i = match.end() if match else i + 1
        else:
            out.append(text[i])
            i += 1
    joined = re.sub(r"\\[ \t]*\n", " ", "".join(out))
    return "\n".join(line for line in joined.split("\n") if not line.lstrip().startswith("#"))


def independent_names(text: str) -> list[str]:
    """Names of `asmlinkage` declarations by counting the keyword; fails loudly if one has no name."""
    code = without_comments_strings_and_directives(text)
    keywords = len(re.findall(r"\basmlinkage\b", code))
    found = [re.findall(r"\w+", m.group(1))[-1] for m in re.finditer(r"\basmlinkage\b([^(;{}]*)\(", code)]
    assert len(found) == keywords, "an asmlinkage keyword with no `name(` after it"
    return found


def check_header(path: Path) -> PrototypeFile:
    text = path.read_text(encoding="utf-8")
    result = parse_prototypes(path)
    assert result.problems == (), [str(p) for p in result.problems]
    assert [p.name for p in result.prototypes] == independent_names(text)
    for proto in result.prototypes:
        assert text_at(text, proto.location.line, proto.location.column).startswith(proto.name)
        for param in proto.params:
            assert text_at(text, param.location.line, param.location.column)[:1].strip()
    return result


def test_real_syscalls_h(linux_headers: Path) -> None:  # noqa: F811
    result = check_header(linux_headers / "include" / "linux" / "syscalls.h")
    print(f"include/linux/syscalls.h: {len(result.prototypes)} asmlinkage declarations")
    assert len(result.prototypes) > 400
    by_name = {p.name: p for p in result.prototypes}
    submit = by_name["sys_io_submit"]
    assert [shape(p) for p in submit.params] == [
        ("aio_context_t", "", False, False),
        ("long", "", False, False),
        ("struct iocb __user *__user *", "", True, False),
    ]
    assert submit.conditions == ("!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)",)
    assert [shape(p) for p in by_name["sys_execve"].params][1] == (
        "const char __user *const __user *",
        "argv",
        True,
        False,
    )
    assert [p.name for p in by_name["sys_fallocate"].params if p.is_64bit] == ["offset", "len"]
    assert by_name["sys_ni_syscall"].params == ()
    assert by_name["sys_ni_posix_timers"].conditions == ()  # after the wrapper's #endif


def test_real_compat_h(linux_headers: Path) -> None:  # noqa: F811
    result = check_header(linux_headers / "include" / "linux" / "compat.h")
    print(f"include/linux/compat.h: {len(result.prototypes)} asmlinkage declarations")
    assert len(result.prototypes) > 90
    by_name = {p.name: p for p in result.prototypes}
    assert [shape(p) for p in by_name["compat_sys_fallocate"].params] == [
        ("int", "fd", False, False),
        ("int", "mode", False, False),
        ("compat_arg_u64", "offset", False, True),
        ("compat_arg_u64", "len", False, True),
    ]
    assert by_name["compat_sys_fallocate"].conditions == (
        "!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)",
        "defined(__ARCH_WANT_COMPAT_FALLOCATE)",
    )


def test_every_real_arch_syscalls_h(linux_headers: Path) -> None:  # noqa: F811
    headers = sorted(linux_headers.glob("arch/*/include/asm/syscalls.h"))
    assert len(headers) >= 5
    counts = {}
    for header in headers:
        counts[header.relative_to(linux_headers).as_posix()] = len(check_header(header).prototypes)
    print("\n".join(f"{name}: {count} asmlinkage declarations" for name, count in counts.items()))
    assert sum(counts.values()) > 30
    assert counts["arch/arm/include/asm/syscalls.h"] > 10


def test_612_syscalls_h_against_6182_names(linux_headers: Path) -> None:  # noqa: F811
    newer = [
        line.strip()
        for line in (CORPUS_META / "include_linux_syscalls_h.asmlinkage_names.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    older = [p.name for p in parse_prototypes(linux_headers / "include/linux/syscalls.h").prototypes]
    only_newer = sorted(set(newer) - set(older))
    only_older = sorted(set(older) - set(newer))
    print(f"in 6.18.2 only: {only_newer}\nin 6.12 only: {only_older}")
    assert only_newer == [
        "sys_file_getattr",
        "sys_file_setattr",
        "sys_getxattrat",
        "sys_listxattrat",
        "sys_open_tree_attr",
        "sys_removexattrat",
        "sys_setxattrat",
        "sys_uprobe",
    ]
    assert only_older == []
