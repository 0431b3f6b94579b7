import Foundation

/// Reads Keras weight files into arrays keyed `<layer>/<variable>`, e.g. `conv1_conv/kernel`.
///
/// Keras 2 named some layers with a slash (`conv1/conv`) where Keras 3 uses an underscore
/// (`conv1_conv`); layer names are normalised to the underscore form so both load into one model.
enum KerasWeights {
    /// Reads a Keras 2 style file: `layer_names` on the root (or on `model_weights` for a full-model
    /// save), and per layer a `weight_names` attribute naming its datasets.
    /// `autoNamed` lists Keras's automatic layer-name families the model numbers by creation order;
    /// `aliases` renames older layer names (`fc1000` to `predictions`).
    static func readLegacy(path: String, autoNamed: [String] = [], aliases: [String: String] = [:]) throws
        -> [String: WeightArray] {
        try HDF5File.read(path: path, strings: stringAttributes) { file in
            try readLegacy(file, autoNamed: autoNamed, aliases: aliases)
        }
    }

    private static func readLegacy(_ file: HDF5File, autoNamed: [String], aliases: [String: String]) throws
        -> [String: WeightArray] {
        let path = file.path
        let root = file.hasAttribute("layer_names") ? "" : "model_weights/"
        var arrays: [String: WeightArray] = [:]
        let layers = try file.stringsAttribute("layer_names", of: root.isEmpty ? "/" : root)
        var weightNames: [String: [String]] = [:]
        for layer in layers where file.hasAttribute("weight_names", of: root + layer) {
            weightNames[layer] = try file.stringsAttribute("weight_names", of: root + layer)
        }
        // A layer whose weights belong to several inner layers is a nested model (a backbone saved inside a
        // wrapper); its weights are keyed by the inner layers, and the wrapper's own layers are the file's head.
        let nested = Set(layers.filter { Set((weightNames[$0] ?? []).map(innerLayer)).count > 1 })
        let renamed = ordinalNames(layers.map(normalise), families: autoNamed)
        for layer in layers {
            guard let names = weightNames[layer] else { continue }
            let innerRenamed = nested.contains(layer) ? ordinalNames(names.map { normalise(innerLayer($0)) }, families: autoNamed) : [:]
            for weightName in names {
                let key: String
                if nested.contains(layer) {
                    let inner = normalise(innerLayer(weightName))
                    key = (innerRenamed[inner] ?? aliases[inner] ?? inner) + "/" + variableName(weightName)
                } else {
                    let name = renamed[normalise(layer)] ?? aliases[normalise(layer)] ?? normalise(layer)
                    key = (nested.isEmpty ? "" : wrapperPrefix) + name + "/" + variableName(weightName)
                }
                guard arrays[key] == nil else {
                    throw ModelError.unreadableWeights(path: path, reason: "weight '\(key)' appears twice")
                }
                arrays[key] = try file.floats(root + layer + "/" + weightName)
            }
        }
        return arrays
    }

    /// The attributes the readers take strings from; the others are left unread, as libhdf5 fails on some damaged ones.
    static let stringAttributes = ["layer_names", "weight_names", "name"]

    /// The key prefix of a wrapper model's own layers in a Keras 3 file that nests the backbone.
    static let wrapperPrefix = "wrapper:"

    /// Reads a Keras 3 `.weights.h5`: `layers/<group>/vars` (whose `name` attribute is the layer's name)
    /// holds datasets `0, 1, ...` in the layer's variable order; `variables` names those positions.
    /// Positions a model does not name are keyed `<layer>/vars/<index>` so they show up as unused.
    static func readKeras3(path: String, variables: [String: [String]], autoNamed: [String] = [],
                           aliases: [String: String] = [:]) throws -> [String: WeightArray] {
        try HDF5File.read(path: path, strings: stringAttributes) { file in
            try readKeras3(file, variables: variables, autoNamed: autoNamed, aliases: aliases)
        }
    }

    private static func readKeras3(_ file: HDF5File, variables: [String: [String]], autoNamed: [String],
                                   aliases: [String: String]) throws -> [String: WeightArray] {
        let path = file.path
        var arrays: [String: WeightArray] = [:]
        // A model saved around a nested one (Keras `Sequential([DenseNet201(...), ..., Dense(2)])`) keeps the
        // nested model's layers under `layers/<model>/layers/`; those are the backbone. The wrapper's own
        // layers are the file's head and get `wrapperPrefix`, so a model built without its top skips them.
        let nested = try file.members(of: "layers").filter { file.exists("layers/\($0)/layers") }
        var layers: [(group: String, layer: String)] = []
        for parent in ["layers"] + nested.map({ "layers/\($0)/layers" }) {
            for group in try file.members(of: parent) {
                let varsPath = "\(parent)/\(group)/vars"
                guard file.exists(varsPath) else { continue }
                let layer = file.hasAttribute("name", of: varsPath)
                    ? (try file.stringsAttribute("name", of: varsPath).first ?? group) : group
                let outer = parent == "layers" && !nested.isEmpty
                layers.append(("\(parent)/\(group)", (outer ? wrapperPrefix : "") + normalise(layer)))
            }
        }
        let renamed = ordinalNames(layers.map(\.layer), families: autoNamed)
        for (group, fileLayer) in layers {
            let varsPath = "\(group)/vars"
            let layer = renamed[fileLayer] ?? aliases[fileLayer] ?? fileLayer
            let indices = try file.members(of: varsPath).compactMap(Int.init).sorted()
            for index in indices {
                let names = variables[layer] ?? []
                let variable = index < names.count ? names[index] : "vars/\(index)"
                let key = layer + "/" + variable
                guard arrays[key] == nil else {
                    throw ModelError.unreadableWeights(path: path, reason: "weight '\(key)' appears twice")
                }
                arrays[key] = try file.floats("\(varsPath)/\(index)")
            }
        }
        return arrays
    }

    /// Maps automatic names of each family (`conv2d`, `conv2d_1`, ... or `conv2d_1`, `conv2d_2`, ...) to
    /// `<family>_<n>` with `n` counting from 1 in numeric order, which is Keras's creation order.
    static func ordinalNames(_ layers: [String], families: [String]) -> [String: String] {
        var renamed: [String: String] = [:]
        for family in families {
            var numbered: [(number: Int, layer: String)] = []
            for layer in layers {
                if layer == family {
                    numbered.append((0, layer))
                } else if layer.hasPrefix(family + "_"), let number = Int(layer.dropFirst(family.count + 1)) {
                    numbered.append((number, layer))
                }
            }
            for (rank, entry) in numbered.sorted(by: { $0.number < $1.number }).enumerated() {
                renamed[entry.layer] = "\(family)_\(rank + 1)"
            }
        }
        return renamed
    }

    /// `conv1/conv` to `conv1_conv`.
    static func normalise(_ layer: String) -> String {
        layer.replacingOccurrences(of: "/", with: "_")
    }

    /// `conv1/conv/kernel:0` to `kernel`.
    /// The layer part of a weight name: `conv1/conv/kernel:0` gives `conv1/conv`.
    static func innerLayer(_ weightName: String) -> String {
        weightName.split(separator: "/").dropLast().joined(separator: "/")
    }

    static func variableName(_ weightName: String) -> String {
        var last = weightName.split(separator: "/").last.map(String.init) ?? weightName
        if let colon = last.lastIndex(of: ":"), last[last.index(after: colon)...].allSatisfy(\.isNumber) {
            last = String(last[..<colon])
        }
        return last
    }
}
