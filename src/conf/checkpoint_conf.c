/* checkpoint_conf: to be written */
