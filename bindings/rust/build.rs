// Links against libkpu.so. KPU_LIB_DIR names the folder that holds it (Bazel's rust_test.sh sets
// it to the runfiles copy); without it the system linker paths are searched.
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KPU_LIB_DIR");
    if let Some(dir) = env::var_os("KPU_LIB_DIR") {
        let dir = dir.to_string_lossy();
        println!("cargo:rustc-link-search=native={dir}");
        // Test and example binaries must find the library at run time without the caller
        // having to set LD_LIBRARY_PATH.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rustc-link-lib=dylib=kpu");
}
