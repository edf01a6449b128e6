extension String {
    /// The text with spaces after it up to `width` characters (as is when it is that long already): a table's column.
    func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
