import Foundation
import XCTest

/// A checkout copied elsewhere together with its store keeps every result: keys and manifests hold paths
/// relative to the pipeline's folder or to the store, never absolute ones.
final class MovedCheckoutTests: XCTestCase {
    func testACopiedCheckoutAndStoreRerunNothingAndFindTheImages() throws {
        let scratch = try Scratch()
        let synth = try scratch.pipe("synth", "breakhis", "--out", "data/bh", "--patients", "8", "--images-per-patient", "1",
                                     "--width", "24", "--height", "16", "--seed", "3")
        XCTAssertEqual(synth.status, 0, synth.stderr)
        try scratch.write("pipelines/m.yaml", """
            name: moved
            seed: 5
            stages:
              ingest: { kind: ingest, with: { dataset: breakhis, root: ../data/bh, magnifications: [100] } }
              split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
              augment: { kind: augment, needs: [split], with: { copies: 1, ops: [{ op: flip_horizontal }] } }
              synth:
                kind: synthesize
                with: { dataset: breakhis, patients: 8, images_per_patient: 1, magnifications: [100], width: 24, height: 16 }
              ingest_s: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
              split_s: { kind: split, needs: [ingest_s], with: { train: 0.5, val: 0.25, test: 0.25 } }
              augment_s: { kind: augment, needs: [split_s], with: { copies: 1, ops: [{ op: flip_horizontal }] } }
              listing:
                kind: command
                needs: [augment, augment_s]
                with: { run: "ls ../data/bh > $PIPE_OUT/ls.txt; cut -d, -f1 $PIPE_IN_AUGMENT_S/manifest.csv >> $PIPE_OUT/ls.txt", deps: [../data] }
            """)
        let first = try scratch.pipe("run", "pipelines/m.yaml")
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertEqual(Set(first.statuses.values), ["ran"], first.stdout)

        let moved = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-moved-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: moved) }
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", scratch.root.path, moved.path]
        try copy.run()
        copy.waitUntilExit()
        XCTAssertEqual(copy.terminationStatus, 0)
        // The original goes away, so nothing can still be read from its absolute paths.
        let original = scratch.root.path
        try FileManager.default.removeItem(at: scratch.root)

        let status = try PipeBinary.run(["status", "pipelines/m.yaml"], in: moved)
        XCTAssertEqual(status.stdout.split(separator: "\n").filter { !$0.hasSuffix(": up-to-date") }, [], status.stdout)
        let again = try PipeBinary.run(["run", "pipelines/m.yaml"], in: moved)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertEqual(Set(again.statuses.values), ["cached"], again.stdout)
        XCTAssertEqual(again.statuses.count, 8)

        // Stages that read the copied manifests find the images at the new place.
        let rerun = try PipeBinary.run(["run", "pipelines/m.yaml", "--set", "stages.augment.with.copies=2",
                                        "--set", "stages.augment_s.with.copies=2"], in: moved)
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        XCTAssertEqual(rerun.statuses["augment"], "ran", rerun.stdout)
        XCTAssertEqual(rerun.statuses["augment_s"], "ran", rerun.stdout)
        XCTAssertEqual(rerun.statuses["split_s"], "cached", rerun.stdout)
        let outputs = try PipeBinary.run(["outputs", "pipelines/m.yaml", "augment_s"], in: moved).stdout
        let folder = try XCTUnwrap(outputs.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        XCTAssertTrue(folder.hasPrefix(moved.path), folder)
        let manifest = try String(contentsOfFile: folder + "/manifest.csv", encoding: .utf8)
        XCTAssertFalse(manifest.contains(original), manifest)
        XCTAssertFalse(manifest.contains(moved.path), "paths in a manifest are portable: \(manifest)")
        let lines = manifest.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let (split, source) = (lines[0].firstIndex(of: "split")!, lines[0].firstIndex(of: "source")!)
        let training = lines.dropFirst().filter { $0[split] == "train" && $0[source].isEmpty }.count
        let augmented = lines.dropFirst().compactMap { row -> String? in
            row[0].hasPrefix("store:") && row[0].contains("/augmented/") ? String(row[0].dropFirst(6)) : nil
        }
        XCTAssertGreaterThan(training, 0, manifest)
        XCTAssertEqual(augmented.count, 2 * training, manifest)
        for path in augmented {
            XCTAssertTrue(FileManager.default.fileExists(atPath: moved.path + "/.pipe/" + path), path)
        }
    }
}
