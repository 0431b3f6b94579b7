import Foundation
import XCTest

/// BreakHis's eight subtypes end to end, on data with a truncated and an empty image planted: multi-class
/// metrics that agree with predictions.csv, and a report that shows them, the skipped files and the
/// balance, split and leakage records; `gradcam_images` changes what evaluate writes and the report shows.
final class SubtypeReportTests: XCTestCase {
    static let classes = ["adenosis", "ductal_carcinoma", "fibroadenoma", "lobular_carcinoma", "mucinous_carcinoma",
                          "papillary_carcinoma", "phyllodes_tumor", "tubular_adenoma"]

    static let yaml = """
        name: subtypes
        seed: 5
        stages:
          synth: { kind: synthesize, with: { dataset: breakhis, patients: 24, images_per_patient: 3, magnifications: [100], width: 40, height: 32 } }
          damage:
            kind: command
            needs: [synth]
            with:
              run: |
                cp -R "$PIPE_IN_SYNTH"/. "$PIPE_OUT"/
                first=$(find "$PIPE_OUT" -name 'SOB_*.png' | sort | head -1)
                head -c 100 "$first" > "$first.part" && mv "$first.part" "$first"
                : > "$(echo "$first" | sed 's/-[0-9]*[.]png$/-099.png/')"
          ingest: { kind: ingest, needs: [damage], with: { dataset: breakhis, target: subtype, max_bad_fraction: 0.1 } }
          balance: { kind: balance, needs: [ingest], with: { strategy: undersample } }
          split: { kind: split, needs: [balance], with: { train: 0.34, val: 0.33, test: 0.33 } }
          weights: { kind: import-weights, with: { arch: densenet121, source: none } }
          train:
            kind: fine-tune
            needs: [split, weights]
            with:
              image_size: 32
              head: [{ layer: dense, units: 8 }]
              optimizer: { name: adam, lr: 0.01 }
              batch_size: 16
              epochs: 15
          evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 30, gradcam_images: 3 } }
          report: { kind: report, needs: [evaluate], with: { gradcam_images: 2 } }

        """

    /// One run shared by the tests: the pipeline trains in about ten seconds.
    nonisolated(unsafe) private static var shared: Scratch?

    private var scratch: Scratch { Self.shared! }

    override class func setUp() {
        super.setUp()
        guard let scratch = try? Scratch(), (try? scratch.write("s.yaml", yaml)) != nil, let run = try? scratch.pipe("run", "s.yaml") else { return }
        if run.status == 0 { shared = scratch } else { print(run.stdout + run.stderr) }
    }

    override class func tearDown() {
        shared = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        _ = try XCTUnwrap(Self.shared, "the subtype pipeline failed (its output is printed above)")
    }

    private func folder(_ stage: String) throws -> URL {
        URL(fileURLWithPath: try XCTUnwrap(try scratch.pipe("outputs", "s.yaml", stage).stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)))
    }

    private func html() throws -> String {
        try String(contentsOf: try folder("report").appendingPathComponent("index.html"), encoding: .utf8)
    }

    func testMulticlassMetricsAgreeWithPredictions() throws {
        let evaluate = try folder("evaluate")
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: evaluate.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertEqual(metrics["classes"] as? [String], Self.classes)
        XCTAssertNil(metrics["threshold"], "no threshold: each image gets its most probable class")

        // Recompute from predictions.csv: argmax, accuracy, the 8x8 confusion matrix, one-vs-rest AUCs, the patient rate.
        let reference = try PredictionsReference(contentsOf: evaluate.appendingPathComponent("predictions.csv"))
        XCTAssertEqual(reference.header, ["path", "patient", "label", "split"] + Self.classes.map { "prob_" + $0 } + ["pred", "magnification"])
        let probabilities = reference.rows.map { row in Self.classes.map { reference.probability(row, "prob_" + $0) } }
        let labels = try reference.rows.map { try XCTUnwrap(Self.classes.firstIndex(of: $0["label"] ?? "")) }
        let predicted = try reference.rows.map { try XCTUnwrap(Self.classes.firstIndex(of: $0["pred"] ?? "")) }
        for (p, guess) in zip(probabilities, predicted) {
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(p[guess], p.max()!, "pred is the most probable class")
        }
        var confusion = Array(repeating: Array(repeating: 0, count: 8), count: 8)
        for (label, guess) in zip(labels, predicted) { confusion[label][guess] += 1 }
        XCTAssertEqual(metrics["confusion_matrix"] as? [[Int]], confusion)
        XCTAssertEqual(metrics["n_images"] as? Int, labels.count)
        let right = zip(labels, predicted).map { $0 == $1 }
        XCTAssertEqual(try XCTUnwrap(metrics["accuracy"] as? Double), Double(right.filter { $0 }.count) / Double(labels.count), accuracy: 1e-9)
        let perClass = try XCTUnwrap(metrics["per_class"] as? [String: [String: Double]])
        var aucs: [Double] = []
        for (c, name) in Self.classes.enumerated() {
            let entry = try XCTUnwrap(perClass[name], name)
            XCTAssertEqual(entry["support"], Double(labels.filter { $0 == c }.count), name)
            let auc = PredictionsReference.rocAUC(positive: labels.map { $0 == c }, scores: probabilities.map { $0[c] })
            // predictions.csv rounds to 6 decimals; ties the rounding creates could move the AUC a little.
            XCTAssertEqual(try XCTUnwrap(entry["roc_auc"], name), auc, accuracy: 0.02, name)
            aucs.append(auc)
        }
        XCTAssertEqual(try XCTUnwrap(metrics["roc_auc_macro"] as? Double), aucs.reduce(0, +) / 8, accuracy: 0.02)
        let patient = reference.patientRate(correct: right)
        let patientLevel = try XCTUnwrap(metrics["patient_level"] as? [String: Double])
        XCTAssertEqual(try XCTUnwrap(patientLevel["recognition_rate"]), patient.rate, accuracy: 1e-9)
        XCTAssertEqual(patientLevel["n_patients"], Double(patient.patients))
        for key in ["balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_weighted", "accuracy_ci", "f1_macro_ci"] {
            XCTAssertNotNil(metrics[key], key)
        }
    }

    func testTheReportShowsPerClassScoresAndTheConfusionMatrixWithEveryClass() throws {
        let html = try html()
        let matrixHeader = "<tr><th>true \\ predicted</th>" + Self.classes.map { "<th>\($0)</th>" }.joined() + "</tr>"
        XCTAssertTrue(html.contains(matrixHeader), "the 8x8 confusion matrix names every class")
        for name in Self.classes { XCTAssertTrue(html.contains("<tr><th>\(name)</th><td style="), "matrix row \(name)") }
        for text in ["<caption>Per class</caption>", "ROC per class, one vs rest", "f1_macro", "f1_weighted"] {
            XCTAssertTrue(html.contains(text), text)
        }
        XCTAssertFalse(html.contains(">malignant<"))
    }

    func testTheReportNamesTheSkippedFilesAndShowsBalanceSplitAndLeakage() throws {
        let html = try html()
        for text in ["<caption>Balance: undersample</caption><tr><th>class</th><th>before</th><th>after</th></tr><tr><td>adenosis</td><td>8</td><td>8</td></tr>",
                     "<tr><td>ductal_carcinoma</td><td>9</td><td>8</td></tr>", "<caption>Split: images per class and patients</caption>",
                     "<tr><td>test</td><td>2</td><td>2</td><td>2</td><td>2</td><td>2</td><td>2</td><td>2</td><td>2</td><td>8</td></tr>",
                     "Leakage check passed", "2 files skipped by ingest", "corrupt or truncated PNG", "-099.png</td><td>corrupt or truncated image: empty file"] {
            XCTAssertTrue(html.contains(text), text)
        }
        XCTAssertFalse(html.contains("No corrupt"))
        let ingest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: try folder("ingest").appendingPathComponent("ingest.json"))) as? [String: Any])
        for skipped in try XCTUnwrap(ingest["skipped"] as? [[String: String]]) {
            XCTAssertTrue(html.contains("<td>\(skipped["path"]!)</td>"), skipped["path"]!)
        }
    }

    func testGradcamImagesSetsWhatEvaluateWritesAndTheReportShows() throws {
        defer { _ = try? scratch.write("s.yaml", Self.yaml) }
        // gradcam_images: evaluate wrote 3, the report shows 2; more in the report shows all 3, fewer in evaluate shows 1.
        func figures(_ stage: String = "report") throws -> Int {
            try String(contentsOf: try folder(stage).appendingPathComponent("index.html"), encoding: .utf8).components(separatedBy: "<figure>").count - 1
        }
        func written() throws -> Int? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: try folder("evaluate").appendingPathComponent("gradcam.json"))) as? [Any])?.count
        }
        XCTAssertEqual(try written(), 3)
        XCTAssertEqual(try figures(), 2)
        try scratch.write("s.yaml", Self.yaml.replacingOccurrences(of: "with: { gradcam_images: 2 }", with: "with: { gradcam_images: 5 }"))
        let more = try scratch.pipe("run", "s.yaml")
        XCTAssertEqual(more.statuses["evaluate"], "cached", more.stdout)
        XCTAssertEqual(more.statuses["report"], "ran")
        XCTAssertEqual(try figures(), 3)
        XCTAssertTrue(try String(contentsOf: try folder("report").appendingPathComponent("index.html"), encoding: .utf8)
            .contains("Evaluate wrote 3 Grad-CAM overlays; the report asked for 5"))
        try scratch.write("s.yaml", Self.yaml.replacingOccurrences(of: "gradcam_images: 3", with: "gradcam_images: 1"))
        let fewer = try scratch.pipe("run", "s.yaml")
        XCTAssertEqual(fewer.statuses["train"], "cached", fewer.stdout)
        XCTAssertEqual(fewer.statuses["evaluate"], "ran")
        XCTAssertEqual(try written(), 1)
        XCTAssertEqual(try figures(), 1)
    }
}
