import Foundation
import XCTest

/// The state folder on a small filesystem that fills up at every point of a run — while a stage writes, while
/// its result is committed, while the state is saved: the run fails with a message about space, every stored
/// result still verifies, and once space is freed the rerun completes.
final class FullDiskTests: XCTestCase {
    private var scratch: Scratch!
    private var mountPoint: URL!

    override func setUpWithError() throws {
        guard geteuid() == 0 else {
            let reason = "SKIPPED: the full-disk test mounts a small tmpfs, which needs root (CI runs as root)"
            print(String(repeating: "!", count: 20) + " " + reason)
            throw XCTSkip(reason)
        }
        scratch = try Scratch()
        mountPoint = scratch.url("state")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mount = try LocalSlurm.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.path])
        guard mount.status == 0 else {
            let reason = "SKIPPED: cannot mount a tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))"
            print(String(repeating: "!", count: 20) + " " + reason)
            throw XCTSkip(reason)
        }
    }

    override func tearDownWithError() throws {
        if let mountPoint { _ = try? LocalSlurm.run("/bin/umount", [mountPoint.path]) }
    }

    private var freeBytes: Int {
        var stats = statvfs()
        statvfs(mountPoint.path, &stats)
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Leaves `bytes` free on the filesystem by writing a filler file.
    private func leave(_ bytes: Int) throws {
        let filler = mountPoint.appendingPathComponent("filler")
        try? FileManager.default.removeItem(at: filler)
        let size = max(0, freeBytes - bytes)
        FileManager.default.createFile(atPath: filler.path, contents: Data(count: size))
    }

    private func pipe(_ arguments: String...) throws -> PipeBinary.Output {
        try PipeBinary.run(arguments + ["--state-dir", mountPoint.path], in: scratch.root)
    }

    func testEveryFillingPointFailsCleanlyAndTheRerunCompletes() throws {
        try scratch.write("p.yaml", """
            name: disk
            stages:
              small: { kind: command, with: { run: "head -c 100000 /dev/zero > $PIPE_OUT/a" } }
              large: { kind: command, needs: [small], with: { run: "head -c 600000 /dev/urandom > $PIPE_OUT/b" } }
            """)
        // Leave from too little for the output up to just enough for it plus a few blocks of bookkeeping, so the
        // disk fills inside the command, while meta.json, the stat cache or the state file are written.
        var failures = 0
        for reserve in stride(from: 500_000, through: 760_000, by: 20_000) {
            for item in try FileManager.default.contentsOfDirectory(at: mountPoint, includingPropertiesForKeys: nil) {
                try FileManager.default.removeItem(at: item)
            }
            XCTAssertEqual(try pipe("run", "p.yaml", "--stage", "small").status, 0)
            try leave(reserve)
            let run = try pipe("run", "p.yaml")
            let text = run.stdout + run.stderr
            if run.status != 0 {
                failures += 1
                XCTAssertTrue(text.contains("KB free, which may be why: free space and run again"),
                              "reserve \(reserve): the failure does not say the disk is full:\n\(text)")
                XCTAssertFalse(text.contains("Fatal error") || text.contains("Illegal instruction"), text)
            }
            // Whatever happened, nothing stored is damaged: a dry run finds no corrupted result.
            let status = try pipe("run", "p.yaml", "--dry-run")
            XCTAssertFalse((status.stdout + status.stderr).contains("unusable"), "reserve \(reserve): \(status.stdout)\(status.stderr)")
            try FileManager.default.removeItem(at: mountPoint.appendingPathComponent("filler"))
            let rerun = try pipe("run", "p.yaml")
            XCTAssertEqual(rerun.status, 0, "reserve \(reserve): the rerun after freeing space failed:\n\(rerun.stdout)\(rerun.stderr)")
            XCTAssertEqual(rerun.statuses["small"], "cached", rerun.stdout)
        }
        XCTAssertGreaterThan(failures, 2, "the disk never filled: the test proves nothing")
    }

    func testAFullDiskWhileCachingActivationsFailsCleanlyAndTheRerunCompletes() throws {
        // Room for DenseNet121's weights (32 MB) in the store; the disk then fills while features are cached.
        XCTAssertEqual(try LocalSlurm.run("/bin/mount", ["-o", "remount,size=96m", mountPoint.path]).status, 0)
        try scratch.write("f.yaml", TinyFineTune.yaml(name: "f", seed: 3, imagesPerPatient: 12, train: ["freeze: backbone", "epochs: 1"]))
        XCTAssertEqual(try pipe("run", "f.yaml", "--stage", "split", "--stage", "weights").status, 0)
        try leave(120_000)
        let full = try pipe("run", "f.yaml")
        XCTAssertNotEqual(full.status, 0, full.stdout + full.stderr)
        XCTAssertTrue((full.stdout + full.stderr).contains("and its disk is full; free space (`pipe gc` removes unused shelves) and run again"),
                      full.stdout + full.stderr)
        let shelves = mountPoint.appendingPathComponent("shelves")
        let shelf = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: shelves.path).first)
        let entries = try FileManager.default.contentsOfDirectory(atPath: shelves.appendingPathComponent(shelf).path)
        XCTAssertEqual(entries.filter { $0.hasPrefix(".") }, [], "no half-written entry is left")
        XCTAssertGreaterThan(entries.count, 0, "some entries fitted before the disk was full")
        XCTAssertLessThan(entries.count, 72)
        let status = try pipe("run", "f.yaml", "--dry-run")
        XCTAssertFalse((status.stdout + status.stderr).contains("unusable"), status.stdout + status.stderr)
        try FileManager.default.removeItem(at: mountPoint.appendingPathComponent("filler"))
        let rerun = try pipe("run", "f.yaml")
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        XCTAssertTrue((rerun.stdout + rerun.stderr).contains("backbone features: \(entries.count) of 72 images from the store's cache"),
                      rerun.stdout + rerun.stderr)
    }
}
