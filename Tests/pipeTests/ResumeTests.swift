import Foundation
import XCTest

/// A fine-tune killed between epochs resumes from its last complete epoch.
final class ResumeTests: XCTestCase {
    func testAKilledFineTuneResumesFromItsLastEpoch() throws {
        let scratch = try Scratch()
        try scratch.write("r.yaml", TinyFineTune.yaml(name: "resume", seed: 2, train: ["freeze: none", "epochs: 5"]))
        let process = try scratch.start(["run", "r.yaml"], output: scratch.url("first.log"))
        // Wait until an epoch is recorded, then kill pipe outright.
        let deadline = Date(timeIntervalSinceNow: 240)
        var kept = 0
        while Date() < deadline, kept < 1 {
            Thread.sleep(forTimeInterval: 0.2)
            let resume = scratch.url(".pipe/resume")
            for key in (try? FileManager.default.contentsOfDirectory(atPath: resume.path)) ?? [] {
                if let text = scratch.read(".pipe/resume/\(key)/progress.json"),
                   let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
                    kept = object["epoch"] as? Int ?? 0
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertGreaterThanOrEqual(kept, 1, "an epoch finished before the kill")
        let again = try scratch.pipe("run", "r.yaml")
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let line = try XCTUnwrap(again.stdout.split(separator: "\n").first { $0.contains("resuming after epoch") }, again.stdout)
        let resumedAfter = Int(line.split(separator: " ").drop { $0 != "epoch" }.dropFirst().first ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(resumedAfter, kept)
        XCTAssertEqual(again.statuses["train"], "ran")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/resume").path), [], "resume state is dropped once committed")
        let history = try String(contentsOfFile: try XCTUnwrap(try scratch.pipe("outputs", "r.yaml", "train").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)) + "/history.csv", encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").count, 6, "the history has all 5 epochs, the kept ones included")
    }
}
