import Foundation
import XCTest

/// The three kinds of report (one model, a matrix of models, eight classes) and the run comparison page opened in headless Chromium at a
/// desktop and a phone width: no console error, no request leaving the page, every figure visible inside the
/// page, no two labels of a plot on top of each other. Screenshots go to the folder the tests print.
final class ReportBrowserTests: XCTestCase {
    static let widths = [1280, 420]
    static let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-report-screenshots")

    override func setUpWithError() throws {
        guard HeadlessChromium.isInstalled else {
            let reason = "SKIPPED: no \(HeadlessChromium.executable), so the reports were not checked in a browser (Debian: apt-get install chromium; `make test` installs it)"
            FileHandle.standardError.write(Data("\(reason)\n".utf8))
            throw XCTSkip(reason)
        }
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
    }

    static let synth = "synth: { kind: synthesize, with: { dataset: breakhis, patients: 8, images_per_patient: 2, magnifications: [100, 400], width: 40, height: 32 } }"

    func testSingleModelReport() throws {
        let yaml = TinyFineTune.yaml(name: "browser-single", seed: 3, imagesPerPatient: 2, train: ["epochs: 4"])
            + "  evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20, gradcam_images: 2 } }\n"
            + "  report: { kind: report, needs: [evaluate] }\n"
        let report = try runPipeline(yaml)
        // stdout is a file here, not a terminal: a line per epoch instead of a bar.
        let epochs = report.run.stdout.split(separator: "\n").filter { $0.hasPrefix("train: epoch ") }
        XCTAssertEqual(epochs.map { $0.prefix(20) }, ["train: epoch 1/4 · l", "train: epoch 2/4 · l", "train: epoch 3/4 · l", "train: epoch 4/4 · l"], report.run.stdout)
        XCTAssertTrue(epochs.allSatisfy { $0.contains(" · val_loss ") && $0.contains(" · lr 0.001") }, report.run.stdout)
        XCTAssertFalse(report.run.stdout.contains("\u{1B}[K"), "no progress bar in a file")
        try check(report: report, named: "single")
    }

    func testMatrixReport() throws {
        let yaml = """
            name: browser-matrix
            seed: 4
            stages:
              \(Self.synth)
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
              split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
              weights: { kind: import-weights, with: { arch: densenet121, source: none } }
              train:
                kind: fine-tune
                needs: [split, weights]
                matrix: { lr: [0.001, 0.02] }
                with: { image_size: 32, head: [{ layer: dense, units: 2 }], optimizer: { name: sgd, lr: "${matrix.lr}", momentum: 0.9 }, batch_size: 8, epochs: 3 }
              evaluate:
                kind: evaluate
                needs: [train, split]
                matrix: { lr: [0.001, 0.02] }
                with: { bootstrap: 20, gradcam_images: 1 }
              report: { kind: report, needs: [evaluate] }

            """
        try check(report: runPipeline(yaml), named: "matrix")
    }

    func testSubtypeReport() throws {
        let yaml = """
            name: browser-subtypes
            seed: 5
            stages:
              synth: { kind: synthesize, with: { dataset: breakhis, patients: 24, images_per_patient: 1, magnifications: [100], width: 40, height: 32 } }
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis, target: subtype } }
              split: { kind: split, needs: [ingest], with: { train: 0.34, val: 0.33, test: 0.33 } }
              weights: { kind: import-weights, with: { arch: densenet121, source: none } }
              train:
                kind: fine-tune
                needs: [split, weights]
                with: { image_size: 32, head: [{ layer: dense, units: 8 }], optimizer: { name: adam, lr: 0.01 }, batch_size: 16, epochs: 3 }
              evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20, gradcam_images: 2 } }
              report: { kind: report, needs: [evaluate] }

            """
        try check(report: runPipeline(yaml), named: "subtype")
    }

    /// The checks find what they look for: a page with two labels on top of each other, a console error, an
    /// exception, a request to another address and a figure wider than the page.
    func testRunComparisonPage() throws {
        let scratch = try Scratch()
        try scratch.write("t.yaml", RunComparisonCommandTests.yaml)
        let first = try RunComparisonCommandTests.record(scratch), second = try RunComparisonCommandTests.record(scratch, "--set", "params.threshold=0.3")
        let report = try scratch.pipe("report", "--runs", first.id, second.id)
        XCTAssertEqual(report.status, 0, report.stderr)
        let page = URL(fileURLWithPath: report.stdout.trimmingCharacters(in: .newlines))
        let browser = try HeadlessChromium()
        defer { browser.close() }
        print("ReportBrowserTests: screenshots in \(Self.screenshots.path)")
        for width in Self.widths {
            let shot = Self.screenshots.appendingPathComponent("runs-\(width).png")
            let found = try PageInspection.inspect(page, width: width, in: browser, screenshot: shot)
            XCTAssertEqual(found.figures, 8, "runs at \(width) px: ROC, PR and three training plots per run")
            XCTAssertEqual(found.problems, [], "run comparison at \(width) px (screenshot \(shot.path))")
            XCTAssertNotNil(found.screenshot, "runs at \(width) px: no screenshot")
        }
    }

    func testTheChecksCatchOverlapsErrorsRequestsAndOverflow() throws {
        let scratch = try Scratch()
        let page = try scratch.write("bad.html", """
            <!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
            <svg role="img" aria-label="crowded" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" style="width:200px">
            <text x="10" y="20">train</text><text x="14" y="22">val</text><text x="10" y="80">alone</text></svg>
            <svg role="img" aria-label="too wide" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 50" style="width:900px"><text x="10" y="20">x</text></svg>
            <img alt="remote" src="http://127.0.0.1:9/missing.png" width="10" height="10">
            <script>console.error("planted error"); undefinedFunction();</script>
            </body></html>
            """)
        let browser = try HeadlessChromium()
        defer { browser.close() }
        let found = try PageInspection.inspect(page, width: 420, in: browser, screenshot: Self.screenshots.appendingPathComponent("canary-420.png"))
        XCTAssertEqual(found.overlaps, [#"svg #0 "crowded": "train" and "val""#])
        XCTAssertTrue(found.consoleErrors.contains("planted error"), "\(found.consoleErrors)")
        XCTAssertTrue(found.consoleErrors.contains { $0.contains("undefinedFunction") }, "\(found.consoleErrors)")
        XCTAssertEqual(found.requests, ["http://127.0.0.1:9/missing.png"])
        XCTAssertTrue(found.badFigures.contains { $0.hasPrefix(#"svg #1 "too wide" spans"#) }, "\(found.badFigures)")
        XCTAssertNotNil(found.sidewaysScroll)
    }

    /// A browser that never answers fails the call at its time limit, and closing it ends the process.
    func testAHungBrowserFailsInTimeAndIsKilled() throws {
        let hung = try HeadlessChromium(command: ["/bin/sleep", "60"])
        let started = Date()
        XCTAssertThrowsError(try hung.call("Target.createTarget", ["url": "about:blank"], timeout: 1)) { error in
            XCTAssertTrue("\(error)".contains("did not answer Target.createTarget in time"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        hung.close()
        let pid = hung.processID
        XCTAssertEqual(kill(pid, 0), -1, "the stand-in browser still runs after close()")
    }

    /// Runs `yaml` in a scratch folder and returns its report's index.html.
    private func runPipeline(_ yaml: String) throws -> (page: URL, scratch: Scratch, run: PipeBinary.Output) {
        let scratch = try Scratch()
        try scratch.write("p.yaml", yaml)
        let run = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let folder = try XCTUnwrap(try scratch.pipe("outputs", "p.yaml", "report").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        return (URL(fileURLWithPath: folder).appendingPathComponent("index.html"), scratch, run)
    }

    private func check(report: (page: URL, scratch: Scratch, run: PipeBinary.Output), named name: String) throws {
        let html = try String(contentsOf: report.page, encoding: .utf8)
        XCTAssertTrue(html.contains("id=\"timeline\"") && html.contains("id=\"protocol\"") && html.contains("<caption>Stages</caption>"))
        XCTAssertFalse(html.contains("<h2>Training: evaluate"), "the training heading names the fine-tune stage")
        let browser = try HeadlessChromium()
        defer { browser.close() }
        print("ReportBrowserTests: screenshots in \(Self.screenshots.path)")
        for width in Self.widths {
            let shot = Self.screenshots.appendingPathComponent("\(name)-\(width).png")
            let found = try PageInspection.inspect(report.page, width: width, in: browser, screenshot: shot)
            XCTAssertGreaterThanOrEqual(found.figures, 5, "\(name) at \(width) px: the training plots, results and timeline")
            XCTAssertEqual(found.problems, [], "\(name) report at \(width) px (screenshot \(shot.path))")
            XCTAssertNotNil(found.screenshot, "\(name) at \(width) px: no screenshot")
        }
    }
}
