"""Prints what python/CMakeLists.txt needs to build the binding against this interpreter's torch.

One `key=value` line each; exits non-zero (with the reason on stderr) when torch cannot be imported.
"""
import sys

try:
    import torch
    import torch.utils.cpp_extension as cpp_extension
except Exception as e:  # any import failure means "not this interpreter"
    print(f"cannot import torch: {e}", file=sys.stderr)
    sys.exit(1)

try:
    import pybind11
    pybind11_dir = pybind11.get_cmake_dir()
except Exception:
    pybind11_dir = ""

print(f"torch_version={torch.__version__}")
# '|' joins lists: CMake splits the output on newlines into a list, where ';' would split again.
print(f"include_dirs={'|'.join(cpp_extension.include_paths())}")
print(f"library_dirs={'|'.join(cpp_extension.library_paths())}")
print(f"cxx11_abi={int(torch._C._GLIBCXX_USE_CXX11_ABI)}")
print(f"distributed={int(torch.distributed.is_available())}")
print(f"custom_op={int(hasattr(torch.library, 'custom_op'))}")
print(f"pybind11_dir={pybind11_dir}")
print(f"python_version={sys.version_info.major}.{sys.version_info.minor}")
