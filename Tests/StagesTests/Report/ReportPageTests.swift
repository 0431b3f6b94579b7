import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Stages

/// The report page is self-contained, shows every section, escapes text, and its plots are well-formed SVG.
final class ReportPageTests: XCTestCase {
    private func model(_ name: String) -> ReportContent.Model {
        var model = ReportContent.Model(name: name)
        model.history = (1...5).map { (e: Int) -> ReportContent.Epoch in
            let x = Double(e)
            let trainAccuracy: Double = 0.5 + 0.08 * x
            let valAccuracy: Double = 0.5 + 0.07 * x
            let trainAUC: Double = 0.6 + 0.07 * x
            let valAUC: Double = 0.6 + 0.06 * x
            return ReportContent.Epoch(epoch: e, trainLoss: 1 / x, valLoss: 1.2 / x, trainAccuracy: trainAccuracy,
                                       valAccuracy: valAccuracy, trainAUC: trainAUC, valAUC: valAUC,
                                       learningRate: 0.001 / x, seconds: 2)
        }
        model.labels = [0, 0, 0, 1, 1, 1, 0, 1]
        model.probabilities = [0.1, 0.3, 0.6, 0.7, 0.9, 0.4, 0.2, 0.8]
        model.metrics = [("accuracy", 0.75, 0.5...1.0), ("roc_auc", 0.875, nil)]
        model.patientRate = (0.8, 4)
        model.heatmaps = [("most confident right", "iVBORw0KGgo=")]
        return model
    }

    func testEverySectionIsThereAndNothingIsFetched() {
        var content = ReportContent(title: "BreakHis <DenseNet201> & co")
        content.data.counts = ["train": ["benign": 10, "malignant": 12], "test": ["benign": 3, "malignant": 4]]
        content.data.patients = ["train": 6, "test": 2]
        content.data.patientsShared = []
        content.data.skippedFiles = [("a/b.png", "truncated PNG")]
        content.models = [model("densenet201"), model("vgg19")]
        content.provenance = [("pipeline", "breakhis-compare"), ("seed", "42")]
        let html = ReportPage.render(content)
        for id in ["data", "comparison", "training-densenet201", "results-densenet201", "gradcam-vgg19", "provenance"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), "section \(id)")
        }
        XCTAssertTrue(html.contains("<h1>BreakHis &lt;DenseNet201&gt; &amp; co</h1>"))
        XCTAssertTrue(html.contains("Leakage check passed"))
        XCTAssertTrue(html.contains("truncated PNG"))
        XCTAssertTrue(html.contains("0.5000 – 1.0000"))
        XCTAssertTrue(html.contains("Patient-level recognition rate: <b>0.8000</b> over 4 patients"))
        XCTAssertTrue(html.contains("ROC (AUC 0.938)"))
        XCTAssertEqual(Self.externalReferences(in: html), [], "no external URL")
        XCTAssertFalse(html.contains("<script"))
    }

    /// Every http(s) URL and every `src=`/`href=` target in `html` except the SVG namespace and inline `data:` images.
    static func externalReferences(in html: String) -> [String] {
        let allowed = ["xmlns=\"http://www.w3.org/2000/svg\""]
        let text = allowed.reduce(html) { $0.replacingOccurrences(of: $1, with: "") }
        let patterns = ["(?i)https?://[^\\s\"'<>)]*", "(?i)(?:src|href)\\s*=\\s*+[\"']?+(?!data:)[^\\s\"'>]*"]
        return patterns.flatMap { pattern in
            let regex = try! NSRegularExpression(pattern: pattern)
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
        }
    }

    func testTheExternalReferenceCheckCatchesLinksButAllowsTheSVGNamespace() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg><img src=\"data:image/png;base64,AAAA\">"
        XCTAssertEqual(Self.externalReferences(in: svg), [])
        XCTAssertEqual(Self.externalReferences(in: svg + "<img src=\"https://x.org/a.png\">").count, 2, "the URL and the src")
        XCTAssertEqual(Self.externalReferences(in: svg + "<link href=\"style.css\">"), ["href=\"style.css"])
        XCTAssertEqual(Self.externalReferences(in: svg + "<p>see http://example.com</p>"), ["http://example.com"])
        XCTAssertEqual(Self.externalReferences(in: svg + "<use href=\"//cdn.example/x\"/>").count, 1)
    }

    func testMissingDataRecordsSayNotRecordedAndPresentOnesAreShown() {
        var content = ReportContent(title: "t")
        let bare = ReportPage.render(content)
        for sentence in ["Skipped and corrupt files: not recorded", "Balance: not recorded", "Split: not recorded", "Leakage check: not recorded"] {
            XCTAssertTrue(bare.contains(sentence), sentence)
        }
        XCTAssertFalse(bare.contains("No corrupt") || bare.contains("skipped no file") || bare.contains("Leakage check passed"))
        content.data.skippedFiles = (0..<12).map { ("data/img\($0).png", $0 == 0 ? "truncated PNG" : "empty file") }
        content.data.balance = .init(strategy: "undersample", before: ["benign": 7, "malignant": 11], after: ["benign": 7, "malignant": 7])
        content.data.patientsShared = ["p3"]
        content.data.counts = ["train": ["benign": 5]]
        let html = ReportPage.render(content)
        XCTAssertTrue(html.contains("12 files skipped by ingest (first 10 shown)"))
        XCTAssertTrue(html.contains("<td>data/img0.png</td><td>truncated PNG</td>"))
        XCTAssertTrue(html.contains("data/img9.png") && !html.contains("data/img10.png"))
        XCTAssertTrue(html.contains("<caption>Balance: undersample</caption><tr><th>class</th><th>before</th><th>after</th></tr><tr><td>benign</td><td>7</td><td>7</td></tr><tr><td>malignant</td><td>11</td><td>7</td></tr>"))
        XCTAssertTrue(html.contains("Leakage: 1 patients appear in two splits: p3"))
        content.data.skippedFiles = []
        XCTAssertTrue(ReportPage.render(content).contains("Ingest skipped no file"))
    }

    func testMulticlassResultsShowPerClassScoresTheFullConfusionMatrixAndPerClassROC() throws {
        var model = ReportContent.Model(name: "subtypes")
        var m = ReportContent.Multiclass(classes: ["adenosis", "fibroadenoma", "ductal_carcinoma"])
        m.confusion = [[2, 1, 0], [0, 3, 0], [1, 0, 4]]
        m.perClass = [.init(name: "adenosis", precision: 0.6667, recall: 0.6667, f1: 0.6667, support: 3, rocAUC: 0.9),
                      .init(name: "fibroadenoma", precision: 0.75, recall: 1, f1: 0.8571, support: 3, rocAUC: nil),
                      .init(name: "ductal_carcinoma", precision: 1, recall: 0.8, f1: 0.8889, support: 5, rocAUC: 1)]
        m.labels = [0, 0, 1, 2, 2]
        m.probabilities = [[0.7, 0.2, 0.1], [0.3, 0.2, 0.5], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.3, 0.3, 0.4]]
        model.multiclass = m
        model.metrics = [("f1_macro", 0.8042, 0.6...0.9), ("f1_weighted", 0.81, 0.7...0.95)]
        let html = ReportPage.resultsSection(model)
        XCTAssertTrue(html.contains("<tr><th>true \\ predicted</th><th>adenosis</th><th>fibroadenoma</th><th>ductal_carcinoma</th></tr>"))
        XCTAssertTrue(html.contains("<tr><th>ductal_carcinoma</th><td style=\"background:rgba(31,111,235,0.23)\">1</td>"))
        XCTAssertTrue(html.contains("<tr><td>fibroadenoma</td><td>0.7500</td><td>1.0000</td><td>0.8571</td><td>3</td><td>-</td></tr>"))
        XCTAssertTrue(html.contains("<tr><td>f1_weighted</td><td>0.8100</td><td>0.7000 – 0.9500</td></tr>"))
        XCTAssertFalse(html.contains(">benign<") || html.contains(">malignant<"), "no binary matrix for a multi-class model")
        let roc = ReportPage.multiclassROC(m)
        XCTAssertEqual(roc.series.map(\.name), ["adenosis (0.92)", "fibroadenoma (1.00)", "ductal_carcinoma (0.83)"])
        XCTAssertTrue(XMLParser(data: Data(roc.render().utf8)).parse())
    }

    func testPlotsAreWellFormedSVG() throws {
        let plots = ReportPage.curves(for: model("m")) + [SVGPlot(title: "a < b", xLabel: "x", yLabel: "y", series: [.init(name: "flat", points: [(x: 1, y: 2), (x: 2, y: 2)])])]
        for plot in plots {
            let svg = plot.render()
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssertTrue(parser.parse(), "\(plot.title): \(parser.parserError.map { "\($0)" } ?? "")")
            XCTAssertTrue(svg.contains("<polyline"))
        }
    }

    func testTicksAreRoundNumbers() {
        XCTAssertEqual(SVGPlot.ticks(0...1), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(SVGPlot.ticks(0...50), [0, 10, 20, 30, 40, 50])
        XCTAssertEqual(SVGPlot.label(0.25), "0.25")
        XCTAssertEqual(SVGPlot.label(30), "30")
    }
}
