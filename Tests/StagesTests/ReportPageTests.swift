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
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"), "no external URL")
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src=\"http"))
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
