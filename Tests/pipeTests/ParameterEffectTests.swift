import Foundation
import XCTest

/// Every documented stage parameter, set to a value other than its default, changes what the stage does:
/// its output, or whether it succeeds. A parameter that is accepted and ignored fails here, and so does a
/// schema property without a case below.
final class ParameterEffectTests: XCTestCase {
    /// One parameter change: `path` inside the stage's `with` set to `value` (YAML), on top of `context`
    /// (settings that make the parameter matter, e.g. `kfold` for `fold`).
    struct Case {
        var stage: String
        var path: String
        var value: String
        var context: [String: String] = [:]
        /// The parameter only decides when the stage reruns, so the key is what changes.
        var byKey = false
    }

    static let pipeline = """
        name: effects
        seed: 3
        stages:
          synth: { kind: synthesize, with: { dataset: breakhis, patients: 8, images_per_patient: 1, magnifications: [100], width: 40, height: 32 } }
          ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
          balance: { kind: balance, needs: [ingest], with: { strategy: oversample } }
          split: { kind: split, needs: [balance], with: { train: 0.5, val: 0.25, test: 0.25 } }
          augment: { kind: augment, needs: [split], with: { ops: [{ op: flip_horizontal, p: 1 }] } }
          weights: { kind: import-weights, with: { arch: densenet121, source: none } }
          train:
            kind: fine-tune
            needs: [augment, weights]
            with:
              image_size: 32
              head: [{ layer: global_average_pool }, { layer: dense, units: 2 }]
              optimizer: { name: sgd, lr: 0.01 }
              epochs: 2
              batch_size: 4
          evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20 } }
          report: { kind: report, needs: [evaluate] }
          command: { kind: command, with: { run: "echo $PIPE_CORES > $PIPE_OUT/out.txt", outs: [out.txt] } }

        """

    static let cases: [Case] = [
        Case(stage: "synth", path: "dataset", value: "cbis-ddsm"),
        Case(stage: "synth", path: "patients", value: "9"),
        Case(stage: "synth", path: "images_per_patient", value: "2"),
        Case(stage: "synth", path: "magnifications", value: "[200]"),
        Case(stage: "synth", path: "width", value: "48"),
        Case(stage: "synth", path: "height", value: "40"),
        Case(stage: "synth", path: "difficulty", value: "hard"),
        Case(stage: "ingest", path: "dataset", value: "image-folder"),
        Case(stage: "ingest", path: "root", value: "other-data"),
        Case(stage: "ingest", path: "magnifications", value: "[40]"),
        Case(stage: "ingest", path: "target", value: "subtype"),
        Case(stage: "ingest", path: "drop_duplicate_patient", value: "true", context: ["root": "duplicate-data"]),
        Case(stage: "ingest", path: "abnormality", value: "mass", context: ["dataset": "cbis-ddsm", "root": "cbis-data"]),
        Case(stage: "ingest", path: "images", value: "full", context: ["dataset": "cbis-ddsm", "root": "cbis-data"]),
        Case(stage: "ingest", path: "max_bad_fraction", value: "0.02", context: ["root": "corrupt-data", "max_bad_fraction": "0.5"]),
        Case(stage: "balance", path: "strategy", value: "undersample"),
        Case(stage: "balance", path: "by", value: "patient"),
        Case(stage: "balance", path: "per_class", value: "2", context: ["strategy": "undersample"]),
        Case(stage: "split", path: "train", value: "0.3"),
        Case(stage: "split", path: "val", value: "0.5"),
        Case(stage: "split", path: "test", value: "0.5"),
        Case(stage: "split", path: "group_by", value: "none"),
        Case(stage: "split", path: "stratify", value: "none"),
        Case(stage: "split", path: "folds", value: "official"),
        Case(stage: "split", path: "kfold", value: "3", context: ["kfold": "2", "fold": "1"]),
        Case(stage: "split", path: "fold", value: "0", context: ["kfold": "2", "fold": "1"]),
        Case(stage: "augment", path: "copies", value: "2"),
        Case(stage: "augment", path: "ops", value: "[{ op: rotate90, p: 1 }]"),
        Case(stage: "augment", path: "ops[].op", value: "rotate90"),
        Case(stage: "augment", path: "ops[].p", value: "0"),
        Case(stage: "augment", path: "ops[].degrees", value: "90", context: ["ops": "[{ op: rotate, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].scale", value: "[0.2, 0.3]", context: ["ops": "[{ op: random_resized_crop, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].ratio", value: "[0.5, 0.6]", context: ["ops": "[{ op: random_resized_crop, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].brightness", value: "0.9", context: ["ops": "[{ op: brightness_contrast, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].contrast", value: "0.9", context: ["ops": "[{ op: brightness_contrast, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].sigma", value: "0.5", context: ["ops": "[{ op: hed_jitter, p: 1 }]"]),
        Case(stage: "augment", path: "ops[].gamma", value: "[0.3, 0.4]", context: ["ops": "[{ op: gamma, p: 1 }]"]),
        Case(stage: "weights", path: "arch", value: "densenet169"),
        Case(stage: "weights", path: "source", value: "file", context: ["file": "weights-a.safetensors"]),
        Case(stage: "weights", path: "file", value: "weights-b.safetensors", context: ["source": "file", "file": "weights-a.safetensors"]),
        Case(stage: "weights", path: "sha256", value: "'\(String(repeating: "0", count: 64))'", context: ["source": "file", "file": "weights-a.safetensors"]),
        Case(stage: "weights", path: "include_top", value: "true"),
        Case(stage: "train", path: "head", value: "[{ layer: global_average_pool }, { layer: dropout, rate: 0.5 }, { layer: dense, units: 2 }]"),
        Case(stage: "train", path: "head[].layer", value: "batch_norm"),
        Case(stage: "train", path: "head[].rate", value: "0.1", context: ["head": "[{ layer: dropout, rate: 0.5 }, { layer: dense, units: 2 }]"]),
        Case(stage: "train", path: "head[].units", value: "8", context: ["head": "[{ layer: dense, units: 4, activation: relu }, { layer: dense, units: 2 }]"]),
        Case(stage: "train", path: "head[].activation", value: "relu", context: ["head": "[{ layer: dense, units: 4 }, { layer: dense, units: 2 }]"]),
        Case(stage: "train", path: "freeze", value: "none"),
        Case(stage: "train", path: "optimizer.name", value: "adam"),
        Case(stage: "train", path: "optimizer.lr", value: "0.02"),
        Case(stage: "train", path: "optimizer.momentum", value: "0.5"),
        Case(stage: "train", path: "optimizer.nesterov", value: "true"),
        Case(stage: "train", path: "optimizer.weight_decay", value: "0.1"),
        Case(stage: "train", path: "optimizer.clip_norm", value: "0.0001"),
        Case(stage: "train", path: "schedule.name", value: "cosine"),
        Case(stage: "train", path: "schedule.warmup_epochs", value: "1"),
        Case(stage: "train", path: "schedule.step_size", value: "2", context: ["schedule.name": "step", "schedule.step_size": "1"]),
        Case(stage: "train", path: "schedule.factor", value: "0.5", context: ["schedule.name": "step", "schedule.step_size": "1"]),
        Case(stage: "train", path: "schedule.patience", value: "1",
             context: ["schedule.name": "reduce-on-plateau", "epochs": "4", "early_stopping.monitor": "val_accuracy"]),
        Case(stage: "train", path: "schedule.min_lr", value: "0.005", context: ["schedule.name": "cosine"]),
        Case(stage: "train", path: "schedule.monitor", value: "val_loss",
             context: ["schedule.name": "reduce-on-plateau", "schedule.patience": "1", "epochs": "4", "early_stopping.monitor": "val_accuracy"]),
        Case(stage: "train", path: "epochs", value: "3"),
        Case(stage: "train", path: "batch_size", value: "8"),
        Case(stage: "train", path: "early_stopping.monitor", value: "val_accuracy", context: ["epochs": "4"]),
        Case(stage: "train", path: "early_stopping.patience", value: "1", context: ["epochs": "4", "early_stopping.monitor": "val_accuracy"]),
        Case(stage: "train", path: "early_stopping.mode", value: "max", context: ["epochs": "4", "early_stopping.monitor": "val_loss"]),
        Case(stage: "train", path: "early_stopping.restore_best", value: "false", context: ["epochs": "4", "early_stopping.monitor": "val_accuracy"]),
        Case(stage: "train", path: "class_weights", value: "auto", context: ["~split.stratify": "none"]),
        Case(stage: "train", path: "image_size", value: "40"),
        Case(stage: "train", path: "online_augment", value: "[{ op: rotate90, p: 1 }]"),
        Case(stage: "train", path: "label_smoothing", value: "0.2"),
        Case(stage: "train", path: "shards", value: "2",
             context: ["head": "[{ layer: global_average_pool }, { layer: batch_norm }, { layer: dense, units: 2 }]"]),
        // Not a fine-tune stage: the run fails (with one, ParameterEffect's single train stage has none to name).
        Case(stage: "train", path: "init_from", value: "weights"),
        Case(stage: "evaluate", path: "split", value: "val"),
        Case(stage: "evaluate", path: "threshold", value: "youden-on-val"),
        Case(stage: "evaluate", path: "bootstrap", value: "0"),
        Case(stage: "evaluate", path: "gradcam_images", value: "1"),
        Case(stage: "report", path: "title", value: "Another title"),
        Case(stage: "report", path: "gradcam_images", value: "1"),
        Case(stage: "command", path: "run", value: "'echo other > $PIPE_OUT/out.txt'"),
        Case(stage: "command", path: "deps", value: "[other-data]", byKey: true),
        Case(stage: "command", path: "outs", value: "[missing.txt]"),
        Case(stage: "command", path: "cores", value: "2"),
    ]

    static let kinds = ["synth": "synthesize", "ingest": "ingest", "balance": "balance", "split": "split", "augment": "augment",
                        "weights": "import-weights", "train": "fine-tune", "evaluate": "evaluate", "report": "report", "command": "command"]

    func testEveryDocumentedParameterHasACase() throws {
        for (stage, kind) in Self.kinds {
            let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: PipeBinary.packageRoot
                .appendingPathComponent("schemas/stages/\(kind).schema.json"))) as? [String: Any] ?? [:]
            let documented = Self.leafProperties(of: schema, prefix: "")
            let covered = Set(Self.cases.filter { $0.stage == stage }.map(\.path))
            XCTAssertEqual(covered, documented, "\(kind): parameters with a case vs properties in its schema")
        }
    }

    func testEveryParameterChangesTheStage() throws {
        let scratch = try Scratch()
        try scratch.write("effects.yaml", Self.pipeline)
        try prepareData(in: scratch)
        var outcomes: [[String]: Outcome] = [:]
        func outcome(_ stage: String, _ settings: [String: String]) throws -> Outcome {
            var arguments = ["run", "effects.yaml", "--json", "--stage", stage]
            for (path, value) in settings.sorted(by: { $0.key < $1.key }) {
                let (target, key) = path.hasPrefix("~") ? (String(path.dropFirst().prefix { $0 != "." }), String(path.drop { $0 != "." }.dropFirst()))
                                                        : (stage, path)
                arguments += ["--set", "stages.\(target).with.\(key)=\(value)"]
            }
            if let known = outcomes[arguments] { return known }
            let result = try Outcome(PipeBinary.run(arguments, in: scratch.root), stage: stage)
            outcomes[arguments] = result
            return result
        }
        for test in Self.cases {
            let before = try outcome(test.stage, test.context)
            XCTAssertTrue(before.succeeded, "\(test.stage) with \(test.context) should run: \(before.detail)")
            var changed = test.context
            // A list element's parameter is set on the first element: `ops[].p` as `ops.0.p`.
            changed[test.path.replacingOccurrences(of: "[]", with: ".0")] = test.value
            let after = try outcome(test.stage, changed)
            let same = test.byKey ? before.key == after.key : before == after
            XCTAssertFalse(same, "`\(test.stage).\(test.path): \(test.value)` changed nothing (\(after.detail))")
        }
    }

    /// Whether the stage succeeded, and a fingerprint of its output with run times left out.
    struct Outcome: Equatable {
        var succeeded: Bool
        var fingerprint: String
        var key: String
        var detail: String

        init(_ output: PipeBinary.Output, stage: String) throws {
            succeeded = output.status == 0
            detail = String(output.stderr.suffix(400))
            let summary = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            let result = (summary?["stages"] as? [[String: Any]])?.first { $0["name"] as? String == stage }
            key = result?["key"] as? String ?? ""
            guard succeeded, let folder = result?["output"] as? String else {
                fingerprint = ""
                return
            }
            fingerprint = try Self.fingerprint(of: URL(fileURLWithPath: folder))
        }

        /// A hash (within this process) of every file's path and content; CSV `seconds` columns and HTML
        /// durations left out.
        static func fingerprint(of folder: URL) throws -> String {
            var hasher = Hasher()
            let files = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
            for file in files {
                var isFolder: ObjCBool = false
                let url = folder.appendingPathComponent(file)
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                var data = try Data(contentsOf: url)
                if file.hasSuffix(".csv"), let text = String(data: data, encoding: .utf8) {
                    data = Data(withoutColumn("seconds", text).utf8)
                } else if file.hasSuffix(".html"), let text = String(data: data, encoding: .utf8) {
                    data = Data(text.replacingOccurrences(of: "[0-9]+\\.[0-9]+ s\\b", with: "", options: .regularExpression).utf8)
                }
                hasher.combine(file)
                data.withUnsafeBytes { hasher.combine(bytes: $0) }
            }
            return String(hasher.finalize())
        }

        static func withoutColumn(_ name: String, _ csv: String) -> String {
            let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            guard let column = lines.first?.firstIndex(of: Substring(name)) else { return csv }
            return lines.map { fields in fields.indices.filter { $0 != column }.map { fields[$0] }.joined(separator: ",") }.joined(separator: "\n")
        }

        static func == (a: Outcome, b: Outcome) -> Bool { a.succeeded == b.succeeded && a.fingerprint == b.fingerprint }
    }

    /// Data folders the contexts name: another BreakHis, one with a corrupt image, one with a patient filed
    /// under two diagnoses, a CBIS-DDSM, and two weights files.
    private func prepareData(in scratch: Scratch) throws {
        for (folder, seed) in [("other-data", "9"), ("corrupt-data", "10"), ("duplicate-data", "11")] {
            let made = try scratch.pipe("synth", "breakhis", "--out", folder, "--patients", "8", "--images-per-patient", "1",
                                        "--width", "40", "--height", "32", "--seed", seed)
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let cbis = try scratch.pipe("synth", "cbis-ddsm", "--out", "cbis-data", "--patients", "6", "--images-per-patient", "1",
                                    "--width", "96", "--height", "128", "--seed", "12")
        XCTAssertEqual(cbis.status, 0, cbis.stderr)
        let corrupt = try XCTUnwrap(Self.images(in: scratch.url("corrupt-data")).first)
        try Data(try Data(contentsOf: corrupt).prefix(60)).write(to: corrupt)
        // A patient filed under two subtypes: one image copied into another subtype's folder, keeping its slide id.
        let images = Self.images(in: scratch.url("duplicate-data"))
        let source = try XCTUnwrap(images.first)
        let subtype = { (url: URL) in url.lastPathComponent.prefix { $0 != "-" } }
        let other = try XCTUnwrap(images.first { subtype($0) != subtype(source) })
        let copy = other.deletingLastPathComponent()
            .appendingPathComponent(String(subtype(other)) + String(source.lastPathComponent.drop { $0 != "-" }))
        try FileManager.default.copyItem(at: source, to: copy)
        for (name, seed) in [("weights-a", 1), ("weights-b", 2)] {
            try scratch.write("\(name).yaml", "name: \(name)\nseed: \(seed)\nstages:\n  w: { kind: import-weights, with: { arch: densenet121, source: none } }\n")
            let run = try scratch.pipe("run", "\(name).yaml")
            XCTAssertEqual(run.status, 0, run.stderr)
            let folder = try XCTUnwrap(try scratch.pipe("outputs", "\(name).yaml", "w").stdout.split(separator: "\t").last?
                .trimmingCharacters(in: .newlines))
            try FileManager.default.copyItem(at: URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors"),
                                             to: scratch.url("\(name).safetensors"))
        }
    }

    private static func images(in folder: URL) -> [URL] {
        let files = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
        return files.filter { $0.hasSuffix(".png") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Dotted paths of a schema's properties that are not objects themselves, with the parameters of list
    /// elements defined in the same file (`ops[].p`); a list of another kind's elements (`online_augment`)
    /// is covered by that kind's cases.
    static func leafProperties(of schema: [String: Any], prefix: String, root: [String: Any]? = nil) -> Set<String> {
        let root = root ?? schema
        var result = Set<String>()
        for (name, value) in schema["properties"] as? [String: Any] ?? [:] {
            let property = value as? [String: Any] ?? [:]
            if property["properties"] != nil {
                result.formUnion(leafProperties(of: property, prefix: prefix + name + ".", root: root))
                continue
            }
            result.insert(prefix + name)
            if let reference = (property["items"] as? [String: Any])?["$ref"] as? String, reference.hasPrefix("#/$defs/"),
               let element = (root["$defs"] as? [String: Any])?[String(reference.dropFirst(8))] as? [String: Any] {
                result.formUnion(leafProperties(of: element, prefix: prefix + name + "[].", root: root))
            }
        }
        return result
    }
}
