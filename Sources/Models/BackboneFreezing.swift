import CNN

extension Model {
    /// The trunk's layers in execution order, composite layers replaced by the layers they run.
    var flatTrunkLayers: [Layer] { trunkLayers.flatMap { $0.layer.sublayers.isEmpty ? [$0.layer] : $0.layer.sublayers } }

    /// The names `freezeBackbone(through:)` takes: every trunk layer's, and each composite block's before its layers'.
    public var backboneLayerNames: [String] {
        trunkLayers.flatMap { slot in slot.layer.sublayers.isEmpty ? [slot.layer.name] : [slot.layer.name] + slot.layer.sublayers.map(\.name) }
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
                if layer.name == name || layer.name.hasPrefix(name + "_") || layer.name.hasPrefix(name + ".") { last = index }
                index += 1
            }
        }
        guard let last else { return nil }
        let layers = flatTrunkLayers
        for (position, layer) in layers.enumerated() { layer.setFrozen(position <= last) }
        for case let norm as BatchNormLayer in layers { keepScaleFrozen(norm) }
        return last + 1
    }
}
