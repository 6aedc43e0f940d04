"""bindings/rust/src/sys.rs mirrors kpu/c_api/kpu.h one to one.

The two are written by hand, so a field added to a struct, an enum value or a changed parameter in
one and not the other would be undefined behaviour at run time in Rust and no error anywhere.
This test parses both and compares: numeric #defines with `pub const`s, every enum's values with
the constants of its `c_int` alias, opaque handles, every struct's fields in order with their
types, and every function's parameters (names and types) and return type.

The parsers understand the subset of C and Rust these two files use; anything they cannot read is
reported as a mismatch rather than skipped.
"""
import os
import re
import sys
import unittest

C_SCALARS = {
    "size_t": "usize",
    "int64_t": "i64",
    "uint64_t": "u64",
    "uint32_t": "u32",
    "int": "c_int",
    "double": "f64",
    "char": "c_char",
    "void": "c_void",
}


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def c_type_to_rust(tokens):
    """['const', 'char', '*', 'const', '*'] -> '*const *const c_char'."""
    const = False
    base = None
    i = 0
    while i < len(tokens) and tokens[i] != "*":
        if tokens[i] == "const":
            const = True
        elif base is None:
            base = tokens[i]
        else:
            raise ValueError("unexpected C type tokens %r" % tokens)
        i += 1
    if base is None:
        raise ValueError("no base type in %r" % tokens)
    rust = C_SCALARS.get(base, base)
    for tok in tokens[i:]:
        if tok == "*":
            rust = ("*const " if const else "*mut ") + rust
            const = False
        elif tok == "const":
            const = True
        else:
            raise ValueError("unexpected C type tokens %r" % tokens)
    return rust


def c_decl(decl):
    """'const char* const* inputs' -> ('inputs', '*const *const c_char'); arrays too."""
    decl = decl.strip()
    array = None
    m = re.match(r"^(.*?)\[(\w+)\]$", decl)
    if m:
        decl, array = m.group(1).strip(), m.group(2)
    tokens = re.findall(r"\w+|\*", decl)
    name = tokens[-1]
    rust = c_type_to_rust(tokens[:-1])
    if array:
        rust = "[%s; %s]" % (rust, array)
    return name, rust


def parse_header(text):
    text = strip_c_comments(text)
    text = re.sub(r'extern "C" \{|#ifdef __cplusplus|#else|#endif[^\n]*|#ifndef[^\n]*|#include[^\n]*', " ", text)
    api = {"consts": {}, "enums": {}, "opaque": set(), "structs": {}, "functions": {}}
    for name, value in re.findall(r"#define\s+(KPU_\w+)\s+(\d+)\s*\n", text):
        api["consts"][name] = int(value)
    text = re.sub(r"#define[^\n]*(\\\n[^\n]*)*", " ", text)
    for name, body in re.findall(r"typedef\s+KPU_ENUM\((\w+)\)\s*\{(.*?)\}\s*\w+\s*;", text, flags=re.S):
        values = {}
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"^(\w+)\s*=\s*(-?\d+)$", item)
            if not m:
                raise ValueError("enum %s: cannot read %r (every value must be explicit)" % (name, item))
            values[m.group(1)] = int(m.group(2))
        api["enums"][name] = values
    text = re.sub(r"typedef\s+KPU_ENUM\(\w+\)\s*\{.*?\}\s*\w+\s*;", " ", text, flags=re.S)
    for name in re.findall(r"typedef\s+struct\s+(\w+)\s+\1\s*;", text):
        api["opaque"].add(name)
    text = re.sub(r"typedef\s+struct\s+(\w+)\s+\1\s*;", " ", text)
    for name, body in re.findall(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*\w+\s*;", text, flags=re.S):
        api["structs"][name] = [c_decl(f) for f in body.split(";") if f.strip()]
    text = re.sub(r"typedef\s+struct\s+\w+\s*\{.*?\}\s*\w+\s*;", " ", text, flags=re.S)
    for ret, name, params in re.findall(r"([\w\s\*]+?)\b(kpu_\w+)\s*\(([^)]*)\)\s*;", text):
        ret_rust = c_type_to_rust(re.findall(r"\w+|\*", ret))
        params = params.strip()
        plist = [] if params in ("", "void") else [c_decl(p) for p in params.split(",")]
        api["functions"][name] = (plist, None if ret_rust == "c_void" else ret_rust)
    leftover = re.sub(r"\s+", " ", re.sub(r"[\w\s\*\(\),;]*?\bkpu_\w+\s*\([^)]*\)\s*;", " ", text)).strip()
    if leftover.strip("} "):
        raise ValueError("kpu.h has declarations this test cannot read: %r" % leftover[:200])
    return api


def norm_rust_type(t):
    return re.sub(r"\s+", " ", t.strip()).replace("[ ", "[").replace(" ]", "]").replace(" ;", ";")


def rust_params(params):
    out = []
    depth = 0
    cur = ""
    for ch in params:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    result = []
    for p in out:
        if not p.strip():
            continue
        name, typ = p.split(":", 1)
        result.append((name.strip(), norm_rust_type(typ)))
    return result


def parse_sys(text):
    text = re.sub(r"//[^\n]*", " ", text)
    api = {"consts": {}, "enums": {}, "opaque": set(), "structs": {}, "functions": {}}
    aliases = set(re.findall(r"pub type (\w+) = c_int;", text))
    for name, typ, value in re.findall(r"pub const (\w+): (\w+) = (-?\d+);", text):
        if typ in aliases:
            api["enums"].setdefault(typ, {})[name] = int(value)
        else:
            api["consts"][name] = int(value)
    for alias in aliases:
        api["enums"].setdefault(alias, {})
    m = re.search(r"opaque!\(([^)]*)\);", text)
    if m:
        api["opaque"] = {n.strip() for n in m.group(1).split(",") if n.strip()}
    for name, body in re.findall(r"#\[repr\(C\)\][^{]*?pub struct (\w+) \{(.*?)\n\}", text, flags=re.S):
        fields = []
        for line in body.split(",\n"):
            line = line.strip().rstrip(",")
            if not line:
                continue
            m = re.match(r"^pub (\w+): (.+)$", line, flags=re.S)
            if not m:
                raise ValueError("struct %s: cannot read field %r" % (name, line))
            field = "type" if m.group(1) == "type_" else m.group(1)  # `type` is a Rust keyword
            fields.append((field, norm_rust_type(m.group(2))))
        api["structs"][name] = fields
    block = re.search(r'extern "C" \{(.*)\}', text, flags=re.S)
    if not block:
        raise ValueError('sys.rs has no extern "C" block')
    for name, params, ret in re.findall(r"pub fn (\w+)\((.*?)\)\s*(?:->\s*([^;]+?))?\s*;", block.group(1), flags=re.S):
        api["functions"][name] = (rust_params(params), norm_rust_type(ret) if ret else None)
    return api


def compare(header, sys_api):
    """Every difference, as readable lines; empty when the two agree."""
    problems = []

    def diff_keys(what, a, b):
        for k in sorted(set(a) - set(b)):
            problems.append("%s %s is in kpu.h but not in sys.rs" % (what, k))
        for k in sorted(set(b) - set(a)):
            problems.append("%s %s is in sys.rs but not in kpu.h" % (what, k))
        return sorted(set(a) & set(b))

    for k in diff_keys("constant", header["consts"], sys_api["consts"]):
        if header["consts"][k] != sys_api["consts"][k]:
            problems.append("constant %s: kpu.h %d, sys.rs %d" % (k, header["consts"][k], sys_api["consts"][k]))
    for e in diff_keys("enum", header["enums"], sys_api["enums"]):
        for v in diff_keys("enum value %s::" % e, header["enums"][e], sys_api["enums"][e]):
            if header["enums"][e][v] != sys_api["enums"][e][v]:
                problems.append("enum value %s: kpu.h %d, sys.rs %d" % (v, header["enums"][e][v], sys_api["enums"][e][v]))
    diff_keys("opaque handle", header["opaque"], sys_api["opaque"])
    for s in diff_keys("struct", header["structs"], sys_api["structs"]):
        if header["structs"][s] != sys_api["structs"][s]:
            problems.append("struct %s fields differ:\n  kpu.h:  %s\n  sys.rs: %s" % (s, header["structs"][s], sys_api["structs"][s]))
    for f in diff_keys("function", header["functions"], sys_api["functions"]):
        if header["functions"][f] != sys_api["functions"][f]:
            problems.append("function %s differs:\n  kpu.h:  %s\n  sys.rs: %s" % (f, header["functions"][f], sys_api["functions"][f]))
    return problems


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


HEADER = "kpu/c_api/kpu.h"
SYS_RS = "bindings/rust/src/sys.rs"


class SysMatchesHeader(unittest.TestCase):
    def setUp(self):
        self.header_text = read(HEADER)
        self.sys_text = read(SYS_RS)

    def test_sys_rs_matches_kpu_h(self):
        header = parse_header(self.header_text)
        sys_api = parse_sys(self.sys_text)
        # The parsers found the whole API, not a fragment of it.
        self.assertGreaterEqual(len(header["functions"]), 45)
        self.assertGreaterEqual(len(header["structs"]), 6)
        self.assertGreaterEqual(len(header["enums"]), 6)
        problems = compare(header, sys_api)
        self.assertEqual(problems, [], "sys.rs does not match kpu.h:\n" + "\n".join(problems))
        print("sys.rs matches kpu.h: %d functions, %d structs, %d enums, %d constants, %d handles" % (
            len(header["functions"]), len(header["structs"]), len(header["enums"]), len(header["consts"]),
            len(header["opaque"])))

    def test_a_drift_in_either_file_is_caught(self):
        header = parse_header(self.header_text)
        cases = [
            # two fields swapped
            (self.sys_text.replace("    pub mode: kpu_mode,\n    pub engine: kpu_engine,",
                                   "    pub engine: kpu_engine,\n    pub mode: kpu_mode,"), "kpu_execute_options"),
            # an enum value changed
            (self.sys_text.replace("KPU_DTYPE_BOOL: kpu_dtype = 8", "KPU_DTYPE_BOOL: kpu_dtype = 9"), "KPU_DTYPE_BOOL"),
            # a pointer's constness
            (self.sys_text.replace("pub fn kpu_buffer_size(buffer: *const kpu_buffer)",
                                   "pub fn kpu_buffer_size(buffer: *mut kpu_buffer)"), "kpu_buffer_size"),
            # a constant
            (self.sys_text.replace("KPU_MAX_RANK: usize = 8", "KPU_MAX_RANK: usize = 4"), "KPU_MAX_RANK"),
        ]
        for mutated, needle in cases:
            self.assertNotEqual(mutated, self.sys_text, "the mutation for %s no longer applies" % needle)
            problems = compare(header, parse_sys(mutated))
            self.assertTrue(any(needle in p for p in problems), "%s drift not caught: %s" % (needle, problems))
        # A function added to kpu.h alone.
        grown = self.header_text.replace("#ifdef __cplusplus\n}", "size_t kpu_new_call(const kpu_program* p);\n#ifdef __cplusplus\n}")
        self.assertNotEqual(grown, self.header_text)
        problems = compare(parse_header(grown), parse_sys(self.sys_text))
        self.assertIn("function kpu_new_call is in kpu.h but not in sys.rs", problems)


if __name__ == "__main__":
    # Under `bazel test` the files are in the runfiles tree; by hand, run from the workspace root.
    root = os.path.join(os.environ.get("TEST_SRCDIR", ""), os.environ.get("TEST_WORKSPACE", ""))
    if os.environ.get("TEST_SRCDIR") and os.path.isdir(root):
        os.chdir(root)
    sys.exit(unittest.main())
