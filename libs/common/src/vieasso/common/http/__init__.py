"""HTTP pieces every service uses: app builder, health, French validation errors."""
