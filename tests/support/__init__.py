"""What the tests share: where things are (`environment`), tiny and full-size models built from
configurations (`models`), a fake Hub and a ranged file server standing in for the network
(`fake_hub`, `range_server`), Quick, Draw! drawings as the canvas returns them (`drawings`),
and the app as AppTest opens it, with its Plotly charts read back (`app`, `plotly`)."""
