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
        // Inputs on which libhdf5 itself misbehaves under AddressSanitizer (see Tests/Fuzz/README.md): a normal
        // build must still end with an error, never a signal.
        let known = PipeBinary.packageRoot.appendingPathComponent("Tests/Fuzz/known")
        let knownInputs = try FileManager.default.contentsOfDirectory(atPath: known.path).count
        let replay = try ChildProcess.run(fuzz, ["keras", known.path], limit: 120)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(replay.stdout, "pipe-fuzz keras: \(knownInputs) inputs replayed, none crashed\n")
        XCTAssertGreaterThan(knownInputs, 0)
        let inspect = try PipeBinary.run(["weights", "inspect", known.appendingPathComponent("keras-libhdf5-attribute-overflow.hdf5").path])
        XCTAssertEqual(inspect.status, 1, inspect.stderr)
        XCTAssertTrue(inspect.stderr.hasPrefix("pipe: error: cannot read weights"), inspect.stderr)
        XCTAssertFalse(inspect.stderr.contains("no such file"), inspect.stderr)
        let unknown = try ChildProcess.run(fuzz, ["nonsense", corpus.path])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.hasPrefix("usage: pipe-fuzz TARGET"), unknown.stderr)
    }
}
