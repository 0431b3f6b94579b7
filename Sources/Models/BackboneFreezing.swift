import CNN

extension Model {
    /// The trunk's layers in execution order, composite layers replaced by the layers they run.
    var flatTrunkLayers: [Layer] { trunkLayers.flatMap { $0.layer.sublayers.isEmpty ? [$0.layer] : $0.layer.sublayers } }

    /// The names `freezeBackbone(through:)` takes: every trunk layer's, and each composite block's before its layers'.
    /// A ReLU that runs inside a batch norm or residual sum keeps its name here.
    public var backboneLayerNames: [String] {
        trunkLayers.flatMap { slot in
            let layers = slot.layer.sublayers.isEmpty ? [slot.layer] : slot.layer.sublayers
            let names = layers.flatMap { [$0.name] + [Self.fusedReLUName(of: $0)].compactMap { $0 } }
            return slot.layer.sublayers.isEmpty ? names : [slot.layer.name] + names
        }
    }

    /// Freezes the trunk from its input through the last layer `name` covers and trains every layer after it.
    ///
    /// `name` is a layer's name, a composite block's (`features.denseblock3`), or a name prefix that Keras
    /// uses for a stage (`conv4` covers `conv4_block1_0_bn` … `conv4_block24_concat`).
    /// - Returns: how many layers are frozen, or nil, changing nothing, when no layer matches.
    @discardableResult
    public func freezeBackbone(through name: String) -> Int? {
        var last: Int?, index = 0
        for slot in trunkLayers {
            let members = slot.layer.sublayers.isEmpty ? [slot.layer] : slot.layer.sublayers
            if slot.layer.name == name { last = index + members.count - 1 }
            for layer in members {
                if layer.name == name || layer.name.hasPrefix(name + "_") || layer.name.hasPrefix(name + ".")
                    || Self.fusedReLUName(of: layer) == name {
                    last = index
                }
                index += 1
            }
        }
        guard let last else { return nil }
        let layers = flatTrunkLayers
        for (position, layer) in layers.enumerated() { layer.setFrozen(position <= last) }
        for case let norm as BatchNormLayer in layers { keepScaleFrozen(norm) }
        return last + 1
    }

    /// The name of a ReLU that runs inside `layer` (a batch norm or residual sum), which `freeze: until` may name.
    private static func fusedReLUName(of layer: Layer) -> String? {
        (layer as? BatchNormLayer)?.fusedReLUName ?? (layer as? AddLayer)?.fusedReLUName
    }

    /// The last trunk node whose output can stand in for everything before it: every layer up to it is
    /// frozen and no later layer reads an earlier node. Training can then start from cached values of this
    /// node. Nil when no layer is frozen, or when the whole trunk is (the pooled features serve then).
    public var frozenPrefixNode: Int? {
        // Layer i is node i + 1; a node can be cut after when all layers up to it are frozen.
        var earliestReadAfter = Array(repeating: Int.max, count: trunkLayers.count + 2)
        for index in stride(from: trunkLayers.count - 1, through: 0, by: -1) {
            earliestReadAfter[index + 1] = min(earliestReadAfter[index + 2], trunkLayers[index].inputs.min() ?? Int.max)
        }
        var cut: Int?
        for (index, slot) in trunkLayers.enumerated() {
            guard !slot.layer.isTrainable, index + 1 < trunkOutput else { break }
            if earliestReadAfter[index + 2] >= index + 1 { cut = index + 1 }
        }
        return cut
    }
}
