import Foundation
import XCTest

/// The frozen backbone's activations persist in the store: a changed lr or another pipeline reuses every image,
/// a run killed while computing them keeps what it finished, and gc keeps the shelf while a result uses it.
final class ActivationShelfRunTests: XCTestCase {
    private func pipeline(_ name: String, head: String = "[{ layer: dense, units: 2 }]", imagesPerPatient: Int = 1,
                          imageSize: Int = 32) -> String {
        TinyFineTune.yaml(name: name, seed: 3, imagesPerPatient: imagesPerPatient, head: head, train: ["freeze: backbone", "epochs: 2"])
            .replacingOccurrences(of: "image_size: 32", with: "image_size: \(imageSize)")
    }

    private func output(_ scratch: Scratch, _ file: String) throws -> URL {
        let out = try XCTUnwrap(try scratch.pipe("outputs", file, "train").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        return URL(fileURLWithPath: out)
    }

    private func meta(_ scratch: Scratch, _ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try output(scratch, file).deletingLastPathComponent().appendingPathComponent("meta.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testAChangedLearningRateAndAnotherPipelineReuseEveryImage() throws {
        let scratch = try Scratch()
        try scratch.write("a.yaml", pipeline("a"))
        let first = try scratch.pipe("run", "a.yaml")
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertFalse((first.stdout + first.stderr).contains("from the store's cache"), first.stdout + first.stderr)
        let shelves = try XCTUnwrap(try meta(scratch, "a.yaml")["shelves"] as? [String])
        XCTAssertEqual(shelves.count, 1)
        XCTAssertTrue(shelves[0].hasPrefix("densenet121-features-32px-"), shelves[0])
        let entries = try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/shelves/\(shelves[0])").path)
        XCTAssertEqual(entries.count, 6, "the train and val images of 8 patients, one image each: \(entries)")

        let lr = try PipeBinary.run(["run", "a.yaml", "--set", "stages.train.with.optimizer.lr=0.01"], in: scratch.root)
        XCTAssertEqual(lr.status, 0, lr.stdout + lr.stderr)
        XCTAssertEqual(lr.statuses["train"], "ran")
        XCTAssertTrue((lr.stdout + lr.stderr).contains("backbone features: 6 of 6 images from the store's cache (shelf \(shelves[0]))"),
                      lr.stdout + lr.stderr)

        try scratch.write("b.yaml", pipeline("b", head: "[{ layer: dense, units: 16, activation: relu }, { layer: dense, units: 2 }]"))
        let other = try scratch.pipe("run", "b.yaml")
        XCTAssertEqual(other.status, 0, other.stdout + other.stderr)
        XCTAssertTrue((other.stdout + other.stderr).contains("backbone features: 6 of 6 images from the store's cache"), other.stdout + other.stderr)
        XCTAssertEqual(try meta(scratch, "b.yaml")["shelves"] as? [String], shelves)

        // gc keeps the shelf while a kept result names it, and removes it with the last one.
        try FileManager.default.removeItem(at: scratch.url("a.yaml"))
        XCTAssertEqual(try scratch.pipe("gc", "--yes").status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.url(".pipe/shelves/\(shelves[0])").path))
        try FileManager.default.removeItem(at: scratch.url("b.yaml"))
        let gc = try scratch.pipe("gc", "--yes")
        XCTAssertTrue(gc.stdout.contains("and 1 cache shelf"), gc.stdout)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/shelves").path)) ?? [], [])

        // Other weights (the seeded initialisation of another seed) make another shelf, computed from scratch.
        try scratch.write("c.yaml", pipeline("c"))
        XCTAssertEqual(try scratch.pipe("run", "c.yaml").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/shelves").path), shelves)
        let reseeded = try PipeBinary.run(["run", "c.yaml", "--set", "seed=4"], in: scratch.root)
        XCTAssertEqual(reseeded.status, 0, reseeded.stdout + reseeded.stderr)
        XCTAssertFalse((reseeded.stdout + reseeded.stderr).contains("from the store's cache"), reseeded.stdout + reseeded.stderr)
        let reseededShelves = try XCTUnwrap(try meta(scratch, "c.yaml")["shelves"] as? [String])
        XCTAssertNotEqual(reseededShelves, shelves)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/shelves").path).sorted(),
                       (shelves + reseededShelves).sorted())
    }

    func testARunKilledWhileCachingKeepsItsEntriesAndTheRerunGivesTheSameResult() throws {
        let yaml = pipeline("k", imagesPerPatient: 12, imageSize: 64)
        let reference = try Scratch()
        try reference.write("k.yaml", yaml)
        let whole = try reference.pipe("run", "k.yaml")
        XCTAssertEqual(whole.status, 0, whole.stdout + whole.stderr)

        let scratch = try Scratch()
        try scratch.write("k.yaml", yaml)
        // Everything before the fine-tune, so the kill below lands while it caches activations.
        XCTAssertEqual(try scratch.pipe("run", "k.yaml", "--stage", "split").status, 0)
        XCTAssertEqual(try scratch.pipe("run", "k.yaml", "--stage", "weights").status, 0)
        let process = try scratch.start(["run", "k.yaml"], output: scratch.url("killed.log"))
        let shelves = scratch.url(".pipe/shelves")
        let deadline = Date(timeIntervalSinceNow: 240)
        var seen = 0
        while Date() < deadline, seen == 0, process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: shelves.path)) ?? []
            seen = names.reduce(0) { count, name in
                count + (((try? FileManager.default.contentsOfDirectory(atPath: shelves.appendingPathComponent(name).path)) ?? [])
                    .filter { !$0.hasPrefix(".") }.count)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let shelf = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: shelves.path).first)
        let folder = shelves.appendingPathComponent(shelf)
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.count
        XCTAssertGreaterThan(kept, 0, "entries were written before the kill")
        XCTAssertLessThan(kept, 72, "the kill came before every entry was written (\(scratch.read("killed.log") ?? ""))")
        // What a writer killed inside an entry leaves: a temporary file, never a partial entry.
        try Data(count: 100).write(to: folder.appendingPathComponent(".tmp-4194305-deadbeef"))

        let again = try scratch.pipe("run", "k.yaml")
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertTrue((again.stdout + again.stderr).contains("backbone features: \(kept) of 72 images from the store's cache"),
                      again.stdout + again.stderr)
        // The uninterrupted run's weights and scores, bit for bit (the history's last column is wall time).
        let resumed = try output(scratch, "k.yaml"), uninterrupted = try output(reference, "k.yaml")
        for file in ["head.safetensors", "model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: resumed.appendingPathComponent(file)), try Data(contentsOf: uninterrupted.appendingPathComponent(file)), file)
        }
        let scores = { (folder: URL) in
            try String(contentsOf: folder.appendingPathComponent("history.csv"), encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        }
        XCTAssertEqual(try scores(resumed), try scores(uninterrupted))
        XCTAssertEqual(try scratch.pipe("gc", "--yes").status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [],
                       "gc removes what killed writers left")
    }
}
