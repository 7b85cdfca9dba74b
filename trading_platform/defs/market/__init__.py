"""Group ``market`` (warehouse schema ``market``): market_data, features, the file-drop sensor."""
