print("embedchat: not built yet")
