import Foundation
import XCTest

/// Two classes without a `malignant` one (as CBIS-DDSM's calcification and mass): the last class is positive,
/// predictions.csv names its probability column after it, and the report's curves and matrix use its classes.
final class TwoClassNamesTests: XCTestCase {
    func testTheLastClassIsPositiveWhenNoneIsMalignant() throws {
        let scratch = try Scratch()
        try scratch.write("c.yaml", """
            name: calc-mass
            seed: 3
            stages:
              synth: { kind: synthesize, with: { dataset: breakhis, patients: 12, images_per_patient: 2, magnifications: [100], width: 40, height: 32 } }
              folders:
                kind: command
                needs: [synth]
                with:
                  run: |
                    mkdir -p "$PIPE_OUT/calcification" "$PIPE_OUT/mass"
                    find "$PIPE_IN_SYNTH" -path '*benign*' -name '*.png' -exec cp {} "$PIPE_OUT/calcification/" ';'
                    find "$PIPE_IN_SYNTH" -path '*malignant*' -name '*.png' -exec cp {} "$PIPE_OUT/mass/" ';'
              ingest: { kind: ingest, needs: [folders], with: { dataset: image-folder } }
              split: { kind: split, needs: [ingest], with: { train: 0.4, val: 0.3, test: 0.3 } }
              weights: { kind: import-weights, with: { arch: densenet121, source: none } }
              train:
                kind: fine-tune
                needs: [split, weights]
                with: { image_size: 32, head: [{ layer: dense, units: 2 }], optimizer: { name: adam, lr: 0.01 }, batch_size: 16, epochs: 5 }
              evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20 } }
              report: { kind: report, needs: [evaluate] }

            """)
        let run = try scratch.pipe("run", "c.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        func folder(_ stage: String) throws -> URL {
            URL(fileURLWithPath: try XCTUnwrap(try scratch.pipe("outputs", "c.yaml", stage).stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)))
        }
        let evaluate = try folder("evaluate")
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: evaluate.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertEqual(metrics["positive_class"] as? String, "mass")
        let reference = try PredictionsReference(contentsOf: evaluate.appendingPathComponent("predictions.csv"))
        XCTAssertEqual(reference.header, ["path", "patient", "label", "split", "prob_mass", "pred"])
        let auc = PredictionsReference.rocAUC(positive: reference.rows.map { $0["label"] == "mass" },
                                              scores: reference.rows.map { reference.probability($0, "prob_mass") })
        XCTAssertEqual(try XCTUnwrap(metrics["roc_auc"] as? Double), auc, accuracy: 1e-9)
        let html = try String(contentsOf: try folder("report").appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<tr><th>true \\ predicted</th><th>calcification</th><th>mass</th></tr>"))
        XCTAssertTrue(html.contains(String(format: "ROC (AUC %.3f)", auc)), "the report's ROC curve is the positive class's")
        XCTAssertTrue(html.contains("observed mass rate"))
        XCTAssertTrue(html.contains("Ingest skipped no file") && html.contains("Balance: not recorded"))
    }
}
