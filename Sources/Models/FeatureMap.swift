import CNN

extension Model {
    /// The graph node of the last feature map `[N, h, w, C]`, the one global average pooling turns into
    /// the features; nil when the trunk does not end that way. Grad-CAM weights this map.
    public var featureMapNodeIndex: Int? {
        guard let pool = trunkLayers.lastIndex(where: { $0.layer is GlobalAveragePoolLayer }),
              pool + 1 == trunkOutput else { return nil }
        return trunkLayers[pool].inputs.first
    }
}
