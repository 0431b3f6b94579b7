import Foundation
import PipeEngine
import PipeSpec
import Stages

/// The columns `pipe exp show` gives a set of runs: the params to show, the metrics recorded and the stages.
struct ExpTable {
    /// One metric of one stage, e.g. `evaluate` / `roc_auc`.
    struct Metric: Hashable {
        var stage: String
        var name: String
    }

    var runs: [RunEntry]
    var params: [String]
    var metrics: [Metric]
    var stages: [String]

    init(runs: [RunEntry], allParams: Bool) {
        self.runs = runs
        let leaves = runs.map { HistoryText.leaves($0.params) }
        let paths = Set(leaves.flatMap(\.keys)).sorted()
        params = allParams ? paths : paths.filter { path in Set(leaves.map { $0[path] ?? .null }).count > 1 }
        var metrics: [Metric] = []
        var stages: [String] = []
        for run in runs {
            for stage in run.stages {
                if !stages.contains(stage.name) { stages.append(stage.name) }
                for name in HeadlineMetrics.names where stage.metrics[name] != nil && !metrics.contains(Metric(stage: stage.name, name: name)) {
                    metrics.append(Metric(stage: stage.name, name: name))
                }
            }
        }
        self.metrics = metrics.sorted { (stages.firstIndex(of: $0.stage)!, HeadlineMetrics.names.firstIndex(of: $0.name)!)
            < (stages.firstIndex(of: $1.stage)!, HeadlineMetrics.names.firstIndex(of: $1.name)!) }
        self.stages = stages
    }

    /// `roc_auc` when one stage records metrics, `evaluate.roc_auc` when several do.
    func title(_ metric: Metric, short: Bool) -> String {
        let name = short ? HistoryText.abbreviations[metric.name] ?? metric.name : metric.name
        return Set(metrics.map(\.stage)).count > 1 ? "\(metric.stage).\(name)" : name
    }

    func value(_ run: RunEntry, _ metric: Metric) -> Double? {
        run.stage(metric.stage)?.metrics[metric.name]?.numberValue
    }

    func interval(_ run: RunEntry, _ metric: Metric) -> [Double]? {
        guard let bounds = run.stage(metric.stage)?.metrics[metric.name + "_ci"]?.arrayValue?.compactMap(\.numberValue), bounds.count == 2 else { return nil }
        return bounds
    }

    /// The metric `name` names: `roc_auc`, its abbreviation `auc`, or `evaluate.roc_auc`; nil when no run has it.
    func metric(named name: String) -> Metric? {
        metrics.first { [$0.name, HistoryText.abbreviations[$0.name], "\($0.stage).\($0.name)"].contains(name) }
    }

    /// The runs ordered by `metric`, highest first; runs without it come last, newest first among themselves.
    func sorted(by metric: Metric) -> [RunEntry] {
        runs.enumerated().sorted { a, b in
            switch (value(a.element, metric), value(b.element, metric)) {
            case let (x?, y?) where x != y: x > y
            case (.some, nil): true
            case (nil, .some): false
            default: a.offset < b.offset
            }
        }.map(\.element)
    }
}
