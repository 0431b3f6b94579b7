import Foundation
import XCTest

/// synthesize → ingest → balance → split through the binary: manifests, summaries, errors.
final class DataStagesTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("d.yaml", """
            name: data
            seed: 7
            stages:
              synth:
                kind: synthesize
                with: { dataset: breakhis, patients: 12, images_per_patient: 2, magnifications: [100, 400], width: 48, height: 32 }
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
              balance: { kind: balance, needs: [ingest], with: { strategy: undersample, per_class: 20 } }
              split: { kind: split, needs: [balance], with: { train: 0.6, val: 0.2, test: 0.2 } }
              augment:
                kind: augment
                needs: [split]
                with: { copies: 2, ops: [{ op: flip_horizontal }, { op: rotate90, p: 1 }, { op: hed_jitter, sigma: 0.05 }] }
            """)
    }

    private func output(_ stage: String, file: String) throws -> String {
        let line = try scratch.pipe("outputs", "d.yaml", stage).stdout
        let folder = try XCTUnwrap(line.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        return try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
    }

    /// A manifest path as stages read it: `store:` paths are relative to the store.
    private func resolved(_ path: String) -> String {
        path.hasPrefix("store:") ? scratch.url(".pipe/" + path.dropFirst(6)).path : path
    }

    private func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    func testTheDataStagesProduceLeakFreeManifests() throws {
        let run = try scratch.pipe("run", "d.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let ingested = rows(try output("ingest", file: "manifest.csv"))
        XCTAssertEqual(ingested.count, 48)
        XCTAssertEqual(Set(ingested.map { $0["label"]! }), ["benign", "malignant"])
        for row in ingested.prefix(3) {
            XCTAssertTrue(row["path"]!.hasPrefix("store:objects/"), "a path into the synthesize result, relative to the store: \(row["path"]!)")
            let data = try Data(contentsOf: URL(fileURLWithPath: resolved(row["path"]!)))
            XCTAssertEqual(row["sha256"]?.count, 64)
            XCTAssertTrue(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG at \(row["path"]!)")
        }
        let balanced = rows(try output("balance", file: "manifest.csv"))
        XCTAssertEqual(Dictionary(grouping: balanced, by: { $0["label"]! }).mapValues(\.count), ["benign": 20, "malignant": 20])
        let split = rows(try output("split", file: "manifest.csv"))
        XCTAssertEqual(split.count, 40)
        var splitOf: [String: String] = [:]
        for row in split {
            if let earlier = splitOf[row["patient"]!] { XCTAssertEqual(earlier, row["split"], "patient \(row["patient"]!) crosses splits") }
            splitOf[row["patient"]!] = row["split"]
        }
        XCTAssertEqual(Set(split.map { $0["split"]! }), ["train", "val", "test"])
        let summary = try output("split", file: "split.json")
        XCTAssertTrue(summary.contains("\"patients_in_several_splits\" : [\n\n  ]"), summary)
        let augmented = rows(try output("augment", file: "manifest.csv"))
        let training = split.filter { $0["split"] == "train" }
        XCTAssertEqual(augmented.count, split.count + 2 * training.count)
        let added = augmented.filter { !($0["source"] ?? "").isEmpty }
        XCTAssertEqual(added.count, 2 * training.count)
        XCTAssertTrue(added.allSatisfy { $0["split"] == "train" }, "only training images are augmented")
        for row in added.prefix(4) {
            let original = try XCTUnwrap(training.first { $0["path"] == row["source"] })
            XCTAssertEqual(row["patient"], original["patient"])
            XCTAssertEqual(row["label"], original["label"])
            XCTAssertNotEqual(row["sha256"], original["sha256"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: resolved(row["path"]!)), "the manifest names the committed file: \(row["path"]!)")
        }
        XCTAssertEqual(Set(try scratch.pipe("run", "d.yaml").statuses.values), ["cached"])
        // Same seed, fresh store: the augmented images come out byte for byte the same.
        let hashes = added.map { $0["sha256"]! }
        try FileManager.default.removeItem(at: scratch.url(".pipe"))
        XCTAssertEqual(try scratch.pipe("run", "d.yaml", "-j", "1").status, 0)
        XCTAssertEqual(rows(try output("augment", file: "manifest.csv")).filter { !($0["source"] ?? "").isEmpty }.map { $0["sha256"]! }, hashes)
    }

    func testOversampleAndClassWeightsAreRecordedForTrainingNotCopied() throws {
        let over = try scratch.pipe("run", "d.yaml", "--stage", "balance", "--set", "stages.balance.with.strategy=oversample")
        XCTAssertEqual(over.status, 0, over.stdout + over.stderr)
        let balanced = rows(try output("balance", file: "manifest.csv"))
        XCTAssertEqual(balanced.count, 48, "no row is copied")
        XCTAssertTrue(balanced.allSatisfy { $0["balance"] == "oversample" })
        let weighted = try scratch.pipe("run", "d.yaml", "--stage", "balance", "--set", "stages.balance.with.strategy=class-weights")
        XCTAssertEqual(weighted.status, 0, weighted.stdout)
        XCTAssertTrue(rows(try output("balance", file: "manifest.csv")).allSatisfy { $0["balance"] == "1.0" }, "equal classes weigh 1")
    }

    func testSynthWritesTheRealLayoutDeterministically() throws {
        for out in ["a", "b"] {
            let result = try scratch.pipe("synth", "breakhis", "--out", out, "--patients", "3", "--images-per-patient", "1",
                                          "--width", "40", "--height", "30", "--seed", "9")
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.hasPrefix("wrote 12 images (12 files) below "), result.stdout)
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: scratch.url("a").path).filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertEqual(files.count, 12)
        XCTAssertTrue(files[0].hasPrefix("BreaKHis_v1/histology_slides/breast/benign/SOB/adenosis/SOB_B_A_14-"), files[0])
        for file in files {
            XCTAssertEqual(try Data(contentsOf: scratch.url("a/" + file)), try Data(contentsOf: scratch.url("b/" + file)), file)
        }
        let usage = try scratch.pipe("synth", "breakhis", "--out", "c", "--patients", "1")
        XCTAssertEqual(usage.status, 2)
    }

    func testAMissingDatasetSaysWhereToGetIt() throws {
        try scratch.write("real.yaml", """
            name: real
            stages:
              ingest: { kind: ingest, with: { dataset: breakhis, root: data/BreaKHis_v1 } }
            """)
        let result = try scratch.pipe("run", "real.yaml")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("stage `ingest`: \(scratch.url("data/BreaKHis_v1").standardizedFileURL.path): no such folder for dataset breakhis; download BreaKHis_v1 from"), result.stderr)
        XCTAssertTrue(result.stderr.contains("https://web.inf.ufpr.br/vri/databases/breast-cancer-histopathological-database-breakhis/"), result.stderr)
        XCTAssertEqual(scratch.storedKeys(), [], "nothing ran")
    }

    func testWidespreadCorruptionFailsInsteadOfShrinkingTheDataset() throws {
        XCTAssertEqual(try scratch.pipe("run", "d.yaml", "--stage", "synth").status, 0)
        let folder = try XCTUnwrap(try scratch.pipe("outputs", "d.yaml", "synth").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        let copy = scratch.url("copy")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: folder), to: copy)
        let pngs = FileManager.default.enumerator(atPath: copy.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }.sorted()
        for name in pngs.prefix(3) {
            let url = copy.appendingPathComponent(name)
            chmod(url.path, 0o644)
            try Data(try Data(contentsOf: url).prefix(40)).write(to: url)
        }
        try scratch.write("copy.yaml", """
            name: copy
            stages:
              ingest: { kind: ingest, with: { dataset: breakhis, root: copy, max_bad_fraction: 0.05 } }
            """)
        let strict = try scratch.pipe("run", "copy.yaml")
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stdout.contains("3 of 48 files are corrupt or unusable, more than max_bad_fraction 0.05 allows"), strict.stdout)
        let lenient = try scratch.pipe("run", "copy.yaml", "--set", "stages.ingest.with.max_bad_fraction=0.1")
        XCTAssertEqual(lenient.status, 0, lenient.stdout)
        let json = try String(contentsOfFile: try XCTUnwrap(try scratch.pipe("outputs", "copy.yaml").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)) + "/ingest.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"images\" : 45"), json)
        XCTAssertEqual(json.components(separatedBy: "\"reason\"").count - 1, 3, json)
    }

    /// Odd files a real data set has: one image under two names, a symbolic link out of the data folder, names
    /// in other scripts, a zero-byte file. Each is read correctly or skipped with its reason in ingest.json.
    func testDatasetOdditiesAreReadOrSkippedWithAReason() throws {
        XCTAssertEqual(try scratch.pipe("run", "d.yaml", "--stage", "synth").status, 0)
        let folder = try XCTUnwrap(try scratch.pipe("outputs", "d.yaml", "synth").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        let pngs = FileManager.default.enumerator(atPath: folder)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }.sorted()
        let benign = try XCTUnwrap(pngs.first { $0.contains("/benign/") })
        let malignant = try XCTUnwrap(pngs.first { $0.contains("/malignant/") })
        // An image-folder data set: class folders, names with accents and other scripts, a copy, a link, an empty file.
        let data = scratch.url("odd")
        for (name, source) in [("benign/bénin 1.png", benign), ("malignant/악성-1.png", malignant), ("malignant/copy of bénin.png", benign)] {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: folder + "/" + source, toPath: data.appendingPathComponent(name).path)
        }
        let outside = scratch.url("elsewhere/kept outside.png")
        try FileManager.default.createDirectory(at: outside.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/" + pngs[pngs.count - 1], toPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("benign/linked.png").path, withDestinationPath: outside.path)
        FileManager.default.createFile(atPath: data.appendingPathComponent("benign/empty.png").path, contents: Data())
        try scratch.write("odd.yaml", """
            name: odd
            stages:
              ingest: { kind: ingest, with: { dataset: image-folder, root: odd, max_bad_fraction: 0.5 } }
            """)
        let run = try scratch.pipe("run", "odd.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let out = try XCTUnwrap(try scratch.pipe("outputs", "odd.yaml").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        let manifest = rows(try String(contentsOfFile: out + "/manifest.csv", encoding: .utf8))
        let names = Set(manifest.map { URL(fileURLWithPath: $0["path"]!).lastPathComponent })
        XCTAssertEqual(names, ["bénin 1.png", "악성-1.png", "linked.png"], "\(manifest)")
        XCTAssertEqual(manifest.first { $0["path"]!.hasSuffix("악성-1.png") }?["label"], "malignant")
        let json = try String(contentsOfFile: out + "/ingest.json", encoding: .utf8)
        XCTAssertTrue(json.contains("the same image as benign/bénin 1.png (identical content)"), json)
        XCTAssertTrue(json.contains("benign/empty.png"), json)
        // The link is followed, and what it points to is part of the key: changing the file outside reruns ingest.
        try FileManager.default.removeItem(at: outside)
        try FileManager.default.copyItem(atPath: folder + "/" + pngs[pngs.count - 2], toPath: outside.path)
        let again = try scratch.pipe("run", "odd.yaml", "--dry-run")
        XCTAssertTrue(again.stdout.contains("ingest: would run"), again.stdout)
    }
}
