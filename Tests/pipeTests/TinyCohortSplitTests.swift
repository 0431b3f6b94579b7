import Foundation
import XCTest

/// A cohort too small for the splits asked for fails at `split`, naming the counts, instead of leaving train empty.
final class TinyCohortSplitTests: XCTestCase {
    func testTwoPatientsCannotFillThreeSplits() throws {
        let scratch = try Scratch()
        try scratch.write("s.yaml", """
            name: tiny
            seed: 3
            stages:
              synth: { kind: synthesize, with: { dataset: breakhis, patients: 2, images_per_patient: 2, magnifications: [100], width: 32, height: 32 } }
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
              split: { kind: split, needs: [ingest], with: { train: 0.6, val: 0.2, test: 0.2 } }
            """)
        let run = try scratch.pipe("run", "s.yaml")
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertEqual(run.statuses["split"], "FAILED", run.stdout)
        XCTAssertTrue(run.stdout.contains("split: FAILED: stage `split`: the val split gets no patient: 2 patients are too few to fill every split asked for when each class is dealt on its own (patients per class: benign 1, malignant 1; splits asked for: train, val, test); add patients, or use stratify: none"), run.stdout + run.stderr)
    }
}
