package web

import "github.com/gofiber/fiber/v2"

// privacyRoutes registers subject access and erasure.
func (s *Server) privacyRoutes(api fiber.Router) {}
