/// What an architecture builder hands to `Model`: the recorded network up to the features the head
/// reads, and the name its classification head has in the framework's files.
struct Trunk {
    let builder: NetworkBuilder
    /// The node whose output the head reads: `[N, features]`.
    let output: Int
    /// `predictions` (Keras), `classifier` (torchvision DenseNet), `fc` (torchvision ResNet), ...
    let headName: String
    /// The layout of the head's kernel in the framework's files.
    var headLayout: WeightSlot.Layout = .torchLinear
}
