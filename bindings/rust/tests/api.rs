//! The parts of the API that need no model: versions, configs, graphs and error plumbing.

use kpu::{Config, DType, Graph, Program, Status};

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}

#[test]
fn thread_safety_follows_kpu_h() {
    assert_send::<Program>();
    assert_sync::<Program>();
    assert_send::<kpu::Runtime>();
    assert_send::<Graph>();
}

#[test]
fn versions() {
    assert_eq!(kpu::api_version(), kpu::API_VERSION);
    assert!(!kpu::version().is_empty());
}

#[test]
fn registry_has_the_mlp_ops() {
    let ops = kpu::ops();
    for op in ["linear", "relu", "softmax"] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
}

#[test]
fn default_config_is_swkpu_v1() {
    assert_eq!(Config::default().name(), "swkpu-v1");
    assert!(Config::presets().contains(&"swkpu-v1"));
}

#[test]
fn config_json_round_trips() {
    let config = Config::preset("swkpu-v1").unwrap();
    let json = config.to_json().unwrap();
    assert_eq!(Config::parse(json.as_bytes()).unwrap().name(), "swkpu-v1");
}

#[test]
fn unknown_preset_is_named_in_the_error() {
    let err = Config::preset("nope").unwrap_err();
    assert_ne!(err.status, Status::Ok);
    assert!(err.message.contains("nope"), "{err}");
}

#[test]
fn interior_nul_is_an_error_not_a_panic() {
    let err = Graph::new("a\0b").err().expect("must fail");
    assert_eq!(err.status, Status::InvalidArgument);
    let mut g = Graph::new("g").unwrap();
    assert_eq!(
        g.add_input("x\0", DType::Float32, &[1]).unwrap_err().status,
        Status::InvalidArgument
    );
}

#[test]
fn graph_round_trips_through_bytes() {
    let mut g = Graph::new("tiny").unwrap();
    g.add_input("x", DType::Float32, &[2, 3]).unwrap();
    g.add_node("relu", "r", &["x"], &["y"], &[]).unwrap();
    g.add_output("y").unwrap();
    let json = g.to_json().unwrap();
    assert!(json.contains("relu"), "{json}");
    let copy = Graph::parse(&g.serialize().unwrap(), None).unwrap();
    assert_eq!(copy.to_json().unwrap(), json);
    assert_eq!(Graph::parse(json.as_bytes(), None).unwrap().to_json().unwrap(), json);
}

#[test]
fn missing_file_is_an_io_error() {
    let err = Program::load_file("/nonexistent/kpu/model.kpu").err().expect("must fail");
    assert_eq!(err.status, Status::Io, "{err}");
}

#[test]
fn error_display_names_the_status() {
    let err = Config::preset("nope").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("KPU_ERROR_"), "{text}");
    assert!(text.contains("nope"), "{text}");
}
