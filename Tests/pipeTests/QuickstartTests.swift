import Foundation
import XCTest

/// A reduced quickstart through the binary: the whole pipeline, consistent metrics, a complete report, caching.
final class QuickstartTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        var text = try String(contentsOf: PipeBinary.packageRoot.appendingPathComponent("pipelines/quickstart.yaml"), encoding: .utf8)
        // Tiny sizes for a debug build: fewer patients, smaller images, fewer epochs.
        for (from, to) in [("patients: 24", "patients: 10"), ("images_per_patient: 6", "images_per_patient: 3"),
                           ("width: 175", "width: 64"), ("height: 115", "height: 48"), ("image_size: 64", "image_size: 32"),
                           ("epochs: 60", "epochs: 15"), ("bootstrap: 200", "bootstrap: 50")] {
            XCTAssertTrue(text.contains(from), "quickstart.yaml no longer has `\(from)`")
            text = text.replacingOccurrences(of: from, with: to)
        }
        try scratch.write("quick.yaml", text)
    }

    private func folder(_ stage: String) throws -> URL {
        URL(fileURLWithPath: try XCTUnwrap(try scratch.pipe("outputs", "quick.yaml", stage).stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)))
    }

    func testTheQuickstartRunsEndToEndAndReportsConsistentMetrics() throws {
        let run = try scratch.pipe("run", "quick.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let evaluate = try folder("evaluate")
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: evaluate.appendingPathComponent("metrics.json"))) as? [String: Any])
        let csv = try String(contentsOf: evaluate.appendingPathComponent("predictions.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines[0], ["path", "patient", "label", "split", "prob_malignant", "pred", "magnification"])
        let rows = lines.dropFirst()
        let threshold = try XCTUnwrap(metrics["threshold"] as? Double)
        let right = rows.filter { ($0[4] as NSString).doubleValue >= threshold ? $0[2] == "malignant" : $0[2] == "benign" }.count
        XCTAssertEqual(metrics["n_images"] as? Int, rows.count)
        XCTAssertEqual(try XCTUnwrap(metrics["accuracy"] as? Double), Double(right) / Double(rows.count), accuracy: 1e-9)
        XCTAssertTrue(rows.allSatisfy { $0[5] == ((($0[4] as NSString).doubleValue >= threshold) ? "malignant" : "benign") })
        let reference = try PredictionsReference(contentsOf: evaluate.appendingPathComponent("predictions.csv"))
        let malignant = reference.rows.map { $0["label"] == "malignant" }
        let scores = reference.rows.map { reference.probability($0, "prob_malignant") }
        XCTAssertEqual(try XCTUnwrap(metrics["roc_auc"] as? Double), PredictionsReference.rocAUC(positive: malignant, scores: scores), accuracy: 1e-9)
        let called = scores.map { $0 >= threshold }
        let confusion = try XCTUnwrap(metrics["confusion_matrix"] as? [String: Int])
        XCTAssertEqual(confusion, ["tp": zip(malignant, called).filter { $0 && $1 }.count, "fn": zip(malignant, called).filter { $0 && !$1 }.count,
                                   "fp": zip(malignant, called).filter { !$0 && $1 }.count, "tn": zip(malignant, called).filter { !$0 && !$1 }.count])
        let patient = reference.patientRate(correct: zip(malignant, called).map { $0 == $1 })
        let patientLevel = try XCTUnwrap(metrics["patient_level"] as? [String: Double])
        XCTAssertEqual(try XCTUnwrap(patientLevel["recognition_rate"]), patient.rate, accuracy: 1e-9)
        XCTAssertEqual(patientLevel["n_patients"], Double(patient.patients))
        for key in ["balanced_accuracy", "precision", "recall", "specificity", "f1", "roc_auc", "pr_auc", "ece", "accuracy_ci", "roc_auc_ci",
                    "confusion_matrix", "patient_level", "by_magnification"] {
            XCTAssertNotNil(metrics[key], key)
        }
        let html = try String(contentsOf: try folder("report").appendingPathComponent("index.html"), encoding: .utf8)
        for section in ["id=\"data\"", "id=\"training-evaluate\"", "id=\"results-evaluate\"", "id=\"provenance\"", "Leakage check passed", "ROC (AUC",
                        "pipeline file", "weights (evaluate)", "densenet121, none, seeded random", "<caption>Stages</caption>",
                        "id=\"timeline\"", "id=\"protocol\"", "Split: patient-wise", "<h2>Training: train (evaluated by evaluate)</h2>",
                        "id=\"gradcam-evaluate\"", "src=\"data:image/png;base64,iVBORw0KGgo",
                        "<caption>Balance: undersample</caption>", "Ingest skipped no file", "Ingest kept 30 images.",
                        "Synthetic data at difficulty moderate: "] {
            XCTAssertTrue(html.contains(section), section)
        }
        let gallery = try JSONSerialization.jsonObject(with: Data(contentsOf: try folder("evaluate").appendingPathComponent("gradcam.json"))) as? [[String: Any]]
        let testImages = metrics["n_images"] as? Int ?? 0
        XCTAssertEqual(gallery?.count, min(8, testImages), "eight Grad-CAM images, or every test image when fewer")
        XCTAssertEqual(html.components(separatedBy: "<figure>").count - 1, gallery?.count)
        // The frozen backbone's checkpoint is the one import-weights wrote: stored once, linked from both results.
        let imported = try FileManager.default.attributesOfItem(atPath: try folder("weights").appendingPathComponent("model.safetensors").path)
        let trained = try FileManager.default.attributesOfItem(atPath: try folder("train").appendingPathComponent("model.safetensors").path)
        XCTAssertEqual(imported[.systemFileNumber] as? NSNumber, trained[.systemFileNumber] as? NSNumber, "one copy of the unchanged backbone")
        XCTAssertEqual((trained[.referenceCount] as? NSNumber)?.intValue, 3, "the two results and the blob pool")
        XCTAssertEqual(Set(try scratch.pipe("run", "quick.yaml").statuses.values), ["cached"])
        let changed = try scratch.pipe("run", "quick.yaml", "--set", "stages.train.with.optimizer.lr=0.02")
        XCTAssertEqual(changed.status, 0, changed.stdout)
        XCTAssertEqual(changed.statuses.filter { $0.value == "ran" }.keys.sorted(), ["evaluate", "report", "train"])
    }
}
