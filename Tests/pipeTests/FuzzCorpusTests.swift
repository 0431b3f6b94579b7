import Foundation
import XCTest

/// Every fuzz target's corpus in `Tests/Fuzz/corpus` (seeds, and each input a fuzzer found crashing, kept as a
/// regression) goes through its parser without a crash: `pipe-fuzz` replays them as `make fuzz` feeds them.
final class FuzzCorpusTests: XCTestCase {
    static let targets = ["pipeline", "schema", "png", "jpeg", "dicom", "keras", "safetensors", "pth", "breakhis-name", "cbis-csv"]

    func testEveryTargetReplaysItsCorpusWithoutACrash() throws {
        let corpus = PipeBinary.packageRoot.appendingPathComponent("Tests/Fuzz/corpus")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted(), Self.targets.sorted(),
                       "a corpus folder per target")
        let fuzz = URL(fileURLWithPath: PipeBinary.path).deletingLastPathComponent().appendingPathComponent("pipe-fuzz").path
        for target in Self.targets {
            let folder = corpus.appendingPathComponent(target)
            let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).count
            XCTAssertGreaterThan(inputs, 0, target)
            let replay = try ChildProcess.run(fuzz, [target, folder.path], limit: 120)
            XCTAssertEqual(replay.status, 0, "\(target): \(replay.stderr)")
            XCTAssertEqual(replay.stdout, "pipe-fuzz \(target): \(inputs) inputs replayed, none crashed\n", target)
        }
        // libhdf5 itself reads past a buffer on this input (found by `make fuzz`, see Tests/Fuzz/README.md); it runs
        // in a child process, so pipe ends with an error, never a signal.
        let overflow = corpus.appendingPathComponent("keras/regression-libhdf5-attribute-overflow.hdf5")
        let inspect = try PipeBinary.run(["weights", "inspect", overflow.path])
        XCTAssertEqual(inspect.status, 1, inspect.stderr)
        XCTAssertTrue(inspect.stderr.hasPrefix("pipe: error: cannot read weights"), inspect.stderr)
        XCTAssertFalse(inspect.stderr.contains("no such file"), inspect.stderr)
        let unknown = try ChildProcess.run(fuzz, ["nonsense", corpus.path])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("usage: pipe-fuzz TARGET"), unknown.stderr)
    }
}
