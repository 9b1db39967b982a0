/* backup_conf: to be written */
