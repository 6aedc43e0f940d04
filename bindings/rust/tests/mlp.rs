//! The MLP slice end to end against the real libkpu.so: build, compile, run, compare.

mod common;

use common::{input, max_abs_diff, Mlp, BATCH, INPUT_DIMS};
use kpu::{Attr, DType, Engine, Graph, Metrics, Mode, Program, Runtime, Status};

const TOLERANCE: f64 = 1e-5;

fn compile_mlp() -> (Mlp, Program) {
    let mlp = Mlp::new(42);
    let program = Program::compile(&mlp.graph(), None).expect("compile MLP");
    (mlp, program)
}

fn run(program: &Program, mode: Mode, engine: Engine) -> (Vec<f32>, Metrics) {
    let x = input(BATCH);
    let mut rt = Runtime::load(program, None).expect("load");
    let out = rt.execute_f32(&[("x", &INPUT_DIMS, &x)], mode, engine).expect("execute");
    assert_eq!(out.len(), 1, "one output");
    (out["probs"].clone(), rt.metrics().expect("metrics"))
}

fn check_against_reference(engine: Engine) {
    let (mlp, program) = compile_mlp();
    let (got, metrics) = run(&program, Mode::Functional, engine);
    let diff = max_abs_diff(&got, &mlp.reference(&input(BATCH), BATCH));
    assert!(diff < TOLERANCE, "{engine:?}: max abs diff {diff:e} >= {TOLERANCE:e}");
    check_metrics(&metrics);
}

fn check_metrics(m: &Metrics) {
    assert!(m.total_cycles > 0, "total_cycles {m:?}");
    assert!(m.total_energy_uj > 0.0, "total_energy_uj {m:?}");
    assert!(
        m.compute_utilization > 0.0 && m.compute_utilization <= 1.0,
        "compute_utilization {m:?}"
    );
}

#[test]
fn fast_engine_matches_reference() {
    check_against_reference(Engine::Fast);
}

#[test]
fn dfx_interpreter_matches_reference() {
    check_against_reference(Engine::DfxInterpreter);
}

#[test]
fn every_mode_returns_the_true_outputs() {
    let (mlp, program) = compile_mlp();
    let x = input(BATCH);
    let want = mlp.reference(&x, BATCH);
    let mut rt = Runtime::load(&program, None).unwrap();
    for mode in [Mode::Behavioral, Mode::Transactional, Mode::CycleAccurate, Mode::PowerTrace] {
        match rt.execute_f32(&[("x", &INPUT_DIMS, &x)], mode, Engine::Fast) {
            Ok(out) => {
                let diff = max_abs_diff(&out["probs"], &want);
                assert!(diff < TOLERANCE, "{mode:?}: max abs diff {diff:e}");
                check_metrics(&rt.metrics().unwrap());
            }
            // A mode the library says it does not provide yet is allowed; any other error is not.
            Err(e) if e.status == Status::Unimplemented => eprintln!("{mode:?}: {e}"),
            Err(e) => panic!("{mode:?}: {e}"),
        }
    }
}

#[test]
fn program_describes_its_inputs_and_outputs() {
    let (_, program) = compile_mlp();
    let inputs = program.inputs().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!((inputs[0].name.as_str(), inputs[0].dtype), ("x", DType::Float32));
    assert_eq!(inputs[0].dims, INPUT_DIMS);
    assert_eq!(inputs[0].size_bytes, BATCH * 784 * 4);
    let outputs = program.outputs().unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(
        (outputs[0].name.as_str(), outputs[0].dims.as_slice()),
        ("probs", &[BATCH as i64, 10][..])
    );
    assert!(program.to_json().unwrap().contains("probs"));
    assert_eq!(program.config().unwrap().name(), kpu::DEFAULT_PRESET);
}

#[test]
fn unknown_op_is_reported_by_compile() {
    let mut g = Graph::new("bad").unwrap();
    g.add_input("x", DType::Float32, &[1, 3, 8, 8]).unwrap();
    g.add_node("InstanceNorm", "norm", &["x"], &["y"], &[Attr::Float("epsilon", 1e-5)]).unwrap();
    g.add_output("y").unwrap();
    let err = Program::compile(&g, None).err().expect("compile must fail");
    assert_eq!(err.status, Status::UnsupportedOp, "{err}");
    assert!(err.message.contains("Unsupported operators: InstanceNorm"), "{err}");
}

#[test]
fn wrong_input_shape_is_rejected() {
    let (_, program) = compile_mlp();
    let mut rt = Runtime::load(&program, None).unwrap();
    let x = input(2);
    let err = rt.execute_f32(&[("x", &[2, 784], &x)], Mode::Functional, Engine::Fast).unwrap_err();
    assert_eq!(err.status, Status::ShapeMismatch, "{err}");
    assert!(err.message.contains("Input shape mismatch: expected (4,784), got (2,784)"), "{err}");
}

#[test]
fn serialized_program_runs_the_same() {
    let (_, program) = compile_mlp();
    let bytes = program.serialize().unwrap();
    assert!(bytes.starts_with(b"KPU\0"), "magic");
    let copy = Program::deserialize(&bytes).unwrap();
    assert_eq!(copy.inputs().unwrap(), program.inputs().unwrap());
    assert_eq!(copy.outputs().unwrap(), program.outputs().unwrap());
    // Same program, same engine: the outputs must be identical, not merely close.
    let (a, _) = run(&program, Mode::Functional, Engine::Fast);
    let (b, _) = run(&copy, Mode::Functional, Engine::Fast);
    assert_eq!(a, b);
}

#[test]
fn saved_program_loads_back() {
    let (_, program) = compile_mlp();
    let path = std::env::temp_dir().join(format!("kpu_rust_mlp_{}.kpu", std::process::id()));
    program.save(&path).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    let loaded = Program::load_file(&path);
    let _ = std::fs::remove_file(&path);
    assert!(on_disk == program.serialize().unwrap(), "save() writes the serialize() bytes");
    let loaded = loaded.unwrap();
    assert_eq!(loaded.inputs().unwrap(), program.inputs().unwrap());
    assert_eq!(loaded.outputs().unwrap(), program.outputs().unwrap());
}

#[test]
fn truncated_program_is_invalid() {
    let (_, program) = compile_mlp();
    let bytes = program.serialize().unwrap();
    let err = Program::deserialize(&bytes[..bytes.len() / 2]).err().expect("must fail");
    assert_eq!(err.status, Status::InvalidProgram, "{err}");
    assert!(!err.message.is_empty());
}

#[test]
fn corrupted_program_is_invalid_not_a_crash() {
    let (_, program) = compile_mlp();
    let bytes = program.serialize().unwrap();
    // Spread over header, section table, protobuf sections and weights.
    for i in (0..bytes.len()).step_by(bytes.len() / 97) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        let err =
            Program::deserialize(&bad).err().unwrap_or_else(|| panic!("flip at {i} accepted"));
        assert_eq!(err.status, Status::InvalidProgram, "flip at {i}: {err}");
    }
    for n in [0, 3, 4, 16, 64, bytes.len() - 1] {
        let err =
            Program::deserialize(&bytes[..n]).err().unwrap_or_else(|| panic!("{n} bytes accepted"));
        assert_eq!(err.status, Status::InvalidProgram, "{n} bytes: {err}");
    }
}

#[test]
fn program_is_shared_between_threads() {
    let (mlp, program) = compile_mlp();
    let want = mlp.reference(&input(BATCH), BATCH);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..4).map(|_| s.spawn(|| run(&program, Mode::Functional, Engine::Fast).0)).collect();
        for h in handles {
            assert!(max_abs_diff(&h.join().unwrap(), &want) < TOLERANCE);
        }
    });
}

#[test]
fn runtime_reports_metrics_and_schedule() {
    let (_, program) = compile_mlp();
    let mut rt = Runtime::load(&program, None).unwrap();
    assert_eq!(
        rt.metrics().unwrap_err().status,
        Status::InvalidArgument,
        "no metrics before a run"
    );
    assert!(!rt.schedule_text().unwrap().is_empty());
    let x = input(BATCH);
    rt.execute_f32(&[("x", &INPUT_DIMS, &x)], Mode::Functional, Engine::Fast).unwrap();
    let m = rt.metrics().unwrap();
    assert!(m.total_macs >= (BATCH * (784 * 128 + 128 * 64 + 64 * 10)) as u64, "{m:?}");
    assert!(rt.metrics_json().unwrap().contains("op_metrics"));
}
