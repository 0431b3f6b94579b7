import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipeSpec
import XCTest
@testable import Stages

/// The report's training curves come from history.csv with the monitored best epoch marked; the timeline and the
/// provenance table list every upstream stage; the protocol says how the data was split and scored.
final class ReportSectionsTests: XCTestCase {
    static let historyCSV = """
        epoch,train_loss,val_loss,train_accuracy,val_accuracy,train_auc,val_auc,lr,seconds
        1,0.9,0.8,0.5,0.55,0.6,0.61,0.001,1.5
        2,0.7,0.62,0.6,0.66,0.7,0.72,0.001,1.4
        3,0.5,0.41,0.7,0.70,0.8,0.79,0.0005,1.6
        4,0.4,0.47,0.8,0.75,0.9,0.83,0.0005,1.5
        5,0.3,0.41,0.85,0.75,0.95,0.81,0.00025,1.5

        """

    private func modelFromHistory(monitor: String, maximizes: Bool) throws -> ReportContent.Model {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-sections-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.historyCSV.utf8).write(to: folder.appendingPathComponent("history.csv"))
        var model = ReportContent.Model(name: "evaluate")
        model.trainedBy = "train"
        model.monitor = .init(name: monitor, maximizes: maximizes)
        model.history = ReportStage.history(in: folder)
        return model
    }

    func testTrainingCurvesHoldTheHistoryValues() throws {
        let model = try modelFromHistory(monitor: "val_loss", maximizes: false)
        let rows = Self.historyCSV.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let plots = ReportPage.trainingPlots(model)
        XCTAssertEqual(plots.map(\.title), ["Loss", "Accuracy", "AUC", "Learning rate"])
        let expected: [[(String, Int)]] = [[("train", 1), ("val", 2)], [("train", 3), ("val", 4)], [("train", 5), ("val", 6)], [("lr", 7)]]
        for (plot, columns) in zip(plots, expected) {
            XCTAssertEqual(plot.series.map(\.name), columns.map(\.0), plot.title)
            for (series, (_, column)) in zip(plot.series, columns) {
                XCTAssertEqual(series.points.map(\.x), rows.map { $0[0] }, "\(plot.title) \(series.name): epochs")
                XCTAssertEqual(series.points.map(\.y), rows.map { $0[column] }, "\(plot.title) \(series.name): values")
            }
            let svg = plot.render()
            XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), plot.title)
            let polylines = svg.components(separatedBy: "<polyline").dropFirst().map { $0.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" } }
            XCTAssertEqual(polylines.map { $0.split(separator: " ").count }, plot.series.map { _ in 5 }, "five points per curve")
        }
    }

    func testTheBestEpochMarkerIsAtTheMonitoredBest() throws {
        // val_loss is lowest at epochs 3 and 5 (0.41): the first counts, as fine-tune keeps it.
        let byLoss = try modelFromHistory(monitor: "val_loss", maximizes: false)
        XCTAssertEqual(byLoss.bestEpoch, 3)
        XCTAssertEqual(try modelFromHistory(monitor: "val_auc", maximizes: true).bestEpoch, 4)
        XCTAssertEqual(try modelFromHistory(monitor: "val_accuracy", maximizes: true).bestEpoch, 4, "4 and 5 tie at 0.75")
        XCTAssertEqual(try modelFromHistory(monitor: "val_auc", maximizes: false).bestEpoch, 1, "mode: min on AUC")
        let html = ReportPage.trainingSection(byLoss)
        XCTAssertEqual(html.components(separatedBy: "class=\"marker\" data-x=\"3\"").count - 1, 4, "a marker in each of the four plots")
        XCTAssertFalse(html.contains("data-x=\"4\""))
        XCTAssertTrue(html.contains("<h2>Training: train (evaluated by evaluate)</h2>"), html)
        XCTAssertTrue(html.contains("The dotted line marks epoch 3, the best by val_loss."))
        var unmonitored = byLoss
        unmonitored.monitor = nil
        XCTAssertFalse(ReportPage.trainingSection(unmonitored).contains("class=\"marker\""), "no monitor, no marker")
    }

    func testTheTimelineAndProvenanceListEveryStage() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let stages: [ReportContent.StageRecord] = [
            .init(name: "synth", kind: "synthesize", key: String(repeating: "a", count: 64), seconds: 0.4, finished: start.addingTimeInterval(0.4), pipe: "0.1.0", build: "0123456789ab"),
            .init(name: "ingest", kind: "ingest", key: String(repeating: "b", count: 64), seconds: 1.2, finished: start.addingTimeInterval(1.7), pipe: "0.1.0", build: "0123456789ab"),
            .init(name: "train", kind: "fine-tune", key: String(repeating: "c", count: 64), seconds: 42, finished: start.addingTimeInterval(44), pipe: "0.1.0", build: "0123456789ab-dirty"),
            .init(name: "evaluate", kind: "evaluate", key: String(repeating: "d", count: 64), seconds: 3, finished: start.addingTimeInterval(48), pipe: nil, build: nil),
        ]
        let svg = StageTimeline.render(stages)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        XCTAssertEqual(svg.components(separatedBy: "<rect ").count - 1, 4, "a bar per stage")
        for (stage, time) in zip(stages, ["0.40 s", "1.20 s", "42.0 s", "3.00 s"]) {
            XCTAssertTrue(svg.contains(">\(stage.name)</text>"), stage.name)
            XCTAssertTrue(svg.contains(">\(time)</text>"), time)
        }
        var content = ReportContent(title: "t")
        content.stages = stages
        let html = ReportPage.render(content)
        XCTAssertTrue(html.contains("id=\"timeline\""))
        for stage in stages {
            XCTAssertTrue(html.contains("<tr><td>\(stage.name)</td><td>\(stage.kind)</td><td><code>\(stage.key)</code></td>"), stage.name)
        }
        XCTAssertTrue(html.contains("<td>0.1.0</td><td>0123456789ab-dirty</td>"))
        XCTAssertTrue(html.contains("<td>not recorded</td><td>not recorded</td>"), "a record older than the build field")
        XCTAssertEqual(StageTimeline.render([]), "")
    }

    private func protocolFor(split: String, ingest: String = #"{"dataset":"breakhis","magnifications":[40,100],"target":"binary"}"#) throws -> [String] {
        func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }
        let description = EvaluationProtocol(stages: [
            "synth": .init(kind: "synthesize", parameters: try json("{}"), upstream: []),
            "ingest": .init(kind: "ingest", parameters: try json(ingest), upstream: ["synth"]),
            "split": .init(kind: "split", parameters: try json(split), upstream: ["ingest"]),
            "train": .init(kind: "fine-tune", parameters: try json(#"{"early_stopping":{"monitor":"val_auc","restore_best":true}}"#), upstream: ["split"]),
            "evaluate": .init(kind: "evaluate", parameters: try json(#"{"split":"test","threshold":0.5,"bootstrap":200}"#), upstream: ["split", "train"]),
        ])
        return description.sentences(evaluate: "evaluate", images: 12, patients: 4, magnifications: ["40", "100"])
    }

    func testTheProtocolSaysHowTheDataWasSplitAndScored() throws {
        let patientWise = try protocolFor(split: #"{"train":0.6,"val":0.2,"test":0.2,"group_by":"patient","stratify":"label"}"#)
        XCTAssertEqual(patientWise[0], "Data: BreakHis (only 40× and 100× kept by ingest), labelled benign or malignant (synthetic images that pipe generated).")
        XCTAssertEqual(patientWise[1], "Split: patient-wise (60\u{00A0}% train, 20\u{00A0}% validation, 20\u{00A0}% test of the patients, stratified by label): no patient has images in two splits.")
        XCTAssertEqual(patientWise[2], "Scored on the test split: 12 images of 4 patients at 40× and 100×.")
        XCTAssertTrue(patientWise[3].hasPrefix("Image-level rates") && patientWise[3].contains("patient-level recognition rate"))
        XCTAssertTrue(patientWise.contains("95\u{00A0}% intervals come from 200 bootstrap resamples of whole patients."))
        XCTAssertEqual(patientWise.last, "The model evaluated is the epoch of fine-tune stage “train” with the best val_auc on the validation split.")
        let official = try protocolFor(split: #"{"folds":"official","fold":3,"val":0.25,"group_by":"patient"}"#)
        XCTAssertEqual(official[1], "Split: BreakHis's official fold 3 (Folds.csv), by patient; 25\u{00A0}% of the non-test patients validate.")
        let imageWise = try protocolFor(split: #"{"train":0.5,"val":0.25,"test":0.25,"group_by":"none","stratify":"none"}"#)
        XCTAssertTrue(imageWise[1].hasPrefix("Split: image-wise (50\u{00A0}% train") && imageWise[1].hasSuffix("so the scores are optimistic."), imageWise[1])
        let subtypes = try protocolFor(split: "{}", ingest: #"{"dataset":"breakhis","magnifications":[400,200,100,40],"target":"subtype"}"#)
        XCTAssertEqual(subtypes[0], "Data: BreakHis, labelled by the eight tumour subtypes (synthetic images that pipe generated).")
    }
}
