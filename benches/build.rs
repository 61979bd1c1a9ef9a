//! Generates the tonic/prost code for the mini-rpc comparisons from
//! `proto/echo.proto`, as tonic users do (`tonic-prost-build` in build.rs).
//! protoc comes from the `protoc-bin-vendored` crate, so the build needs no
//! system package.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing reads the
    // environment concurrently while we set PROTOC for prost-build.
    unsafe { std::env::set_var("PROTOC", protoc) };
    println!("cargo:rerun-if-changed=proto/echo.proto");
    tonic_prost_build::configure().compile_protos(&["proto/echo.proto"], &["proto"])?;
    Ok(())
}
