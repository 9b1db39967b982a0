/* storage_source_conf: to be written */
