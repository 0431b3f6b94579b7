/// The object keys and array items that passing subschemas evaluated, for `unevaluated*` keywords.
///
/// Only collected while `active`, that is, while some enclosing schema at the same instance
/// location has `unevaluatedProperties` or `unevaluatedItems`.
struct SchemaAnnotations {
    var active: Bool
    var allProperties = false
    var properties: Set<String> = []
    /// Schemas whose `properties` applied here, whose names feed "did you mean" suggestions.
    var declaredBy: [Int] = []
    var allItems = false
    var itemPrefix = 0
    var items: Set<Int> = []

    init(active: Bool) { self.active = active }

    static var inactive: SchemaAnnotations { SchemaAnnotations(active: false) }

    mutating func merge(_ other: SchemaAnnotations) {
        guard active, other.active else { return }
        allProperties = allProperties || other.allProperties
        properties.formUnion(other.properties)
        declaredBy += other.declaredBy
        allItems = allItems || other.allItems
        itemPrefix = max(itemPrefix, other.itemPrefix)
        items.formUnion(other.items)
    }

    func evaluated(key: String) -> Bool { allProperties || properties.contains(key) }

    func evaluated(index: Int) -> Bool { allItems || index < itemPrefix || items.contains(index) }
}
