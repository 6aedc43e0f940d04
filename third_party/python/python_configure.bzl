"""Finds the python3 on PATH and exposes its headers and interpreter to the build."""

def _python_configure_impl(ctx):
    python = ctx.which("python3")
    if not python:
        fail("python3 not found on PATH; run scripts/setup.sh")
    res = ctx.execute([python, "-c", "\n".join([
        "import sys, sysconfig",
        "print(sys.executable)",
        "print(sysconfig.get_paths()['include'])",
    ])])
    if res.return_code != 0:
        fail("cannot query python3: " + res.stderr)
    executable, include = res.stdout.strip().split("\n")
    ctx.symlink(include, "include")
    ctx.file("BUILD", """
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

package(default_visibility = ["//visibility:public"])

cc_library(
    name = "python_headers",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
)

py_runtime(
    name = "py3_runtime",
    interpreter_path = "{executable}",
    python_version = "PY3",
)

py_runtime_pair(
    name = "runtime_pair",
    py3_runtime = ":py3_runtime",
)

toolchain(
    name = "python_toolchain",
    toolchain = ":runtime_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
""".format(executable = executable))

python_configure = repository_rule(
    implementation = _python_configure_impl,
    environ = ["PATH", "PYENV_VERSION"],
    local = True,
)
